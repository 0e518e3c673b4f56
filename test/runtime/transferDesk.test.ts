/**
 * The transfer desk's own rules, on the engine core with a journal of the test's making: nothing
 * is reserved until the journal has the decision, keys belong to their caller, an account outside
 * the caller's list looks unknown, only the owner of the source's shard decides.
 */
import { describe, expect, test } from "bun:test";
import { createEngineCore } from "../../src/apps/engine/engineCore.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { createLogger } from "../../src/observability/log.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { principalOf } from "../../src/domain/auth/principal.ts";
import type { EngineOutputs, TransferJournal } from "../../src/runtime/ports.ts";
import type { TransferJournalRecord } from "../../src/runtime/transferJournalRecord.ts";
import { eod } from "../domain/builders.ts";

const HTTP = { kind: "http" } as const;
const OUTPUTS: EngineOutputs = { balanceChanged: () => {}, alertRaised: () => {}, deadLettered: () => {} };
const APP = principalOf("app", ["transfers:write"], "*");
const BODY = { fromAccountId: "S1", toAccountId: "S2", amount: "10.00", currency: "USD" };

async function coreWith(journal: TransferJournal, owns?: (accountId: string) => boolean, metrics = createMetrics()) {
  const core = createEngineCore({
    shardCount: 12, alertThresholds: alertThresholdsFor("10000.00")!, facilityCacheTtlMs: 60_000, facilityCacheEntriesMax: 100,
    facilityLookupWaitMs: 1000, outputs: OUTPUTS, metrics, log: createLogger("error", () => {}),
    facilityStore: { get: async () => ({ facilityId: "456", limitMinor: 0, currency: "USD" }), upsert: async () => {} },
    transferJournal: journal, owns,
  });
  for (const accountId of ["S1", "S2"]) await core.ingest.ingest({ value: eod({ accountId, balance: "100.00" }), source: HTTP });
  return core;
}

const recording = () => {
  const records: TransferJournalRecord[] = [];
  return { records, journal: { append: async (record: TransferJournalRecord) => void records.push(record) } };
};

describe("the transfer desk", () => {
  test("a journal that cannot be written answers journal_unavailable and reserves nothing", async () => {
    const core = await coreWith({ append: () => Promise.reject(new Error("broker down")) });
    const answer = await core.transfers.authorize({ caller: APP, idempotencyKey: "k", body: BODY });
    expect(answer).toMatchObject({ kind: "refused", code: "journal_unavailable" });
    expect(core.runtime.stateOf("S1")!.holdsMinor).toBe(0);
  });

  test("the decision is journaled before the hold exists, and the journal record is the transfer", async () => {
    const { records, journal } = recording();
    const core = await coreWith(journal);
    const answer = await core.transfers.authorize({ caller: APP, idempotencyKey: "k", body: BODY });
    expect(answer.kind).toBe("decided");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: "decided", transfer: { fromAccountId: "S1", amountMinor: 1000, status: "APPROVED" } });
    expect(core.runtime.stateOf("S1")!.holdsMinor).toBe(1000);
  });

  test("holds_active counts the open transfers of every account", async () => {
    const metrics = createMetrics();
    const core = await coreWith(recording().journal, undefined, metrics);
    expect(metrics.sources.holdsActive()).toBe(0);
    for (const key of ["k1", "k2"]) expect((await core.transfers.authorize({ caller: APP, idempotencyKey: key, body: BODY })).kind).toBe("decided");
    expect(metrics.sources.holdsActive()).toBe(2);
  });

  test("a repeat while the first is still being journaled is idempotency_key_in_flight", async () => {
    let release = () => {};
    const core = await coreWith({ append: () => new Promise<void>((resolve) => (release = resolve)) });
    const first = core.transfers.authorize({ caller: APP, idempotencyKey: "k", body: BODY });
    await Bun.sleep(0);
    expect(await core.transfers.authorize({ caller: APP, idempotencyKey: "k", body: BODY })).toMatchObject({ kind: "refused", code: "idempotency_key_in_flight" });
    release();
    expect((await first).kind).toBe("decided");
  });

  test("a key of caller A is not a key of caller B: the same key makes two transfers", async () => {
    const core = await coreWith(recording().journal);
    const a = await core.transfers.authorize({ caller: principalOf("A", ["transfers:write"], "*"), idempotencyKey: "k", body: BODY });
    const b = await core.transfers.authorize({ caller: principalOf("B", ["transfers:write"], "*"), idempotencyKey: "k", body: BODY });
    expect(a.kind === "decided" && b.kind === "decided" && a.transfer.transferId !== b.transfer.transferId).toBe(true);
    expect(b).toMatchObject({ replayed: false });
    expect(core.runtime.stateOf("S1")!.holdsMinor).toBe(2000);
  });

  test("a source outside the caller's accounts is account_not_found, as an unknown account", async () => {
    const core = await coreWith(recording().journal);
    const answer = await core.transfers.authorize({ caller: principalOf("A", ["transfers:write"], ["S2"]), idempotencyKey: "k", body: BODY });
    expect(answer).toMatchObject({ kind: "refused", code: "account_not_found" });
  });

  test("an instance that does not decide for the source's shard now answers not_owner and journals nothing", async () => {
    const { records, journal } = recording();
    const core = await coreWith(journal, () => false);
    expect(await core.transfers.authorize({ caller: APP, idempotencyKey: "k", body: BODY })).toMatchObject({ kind: "refused", code: "not_owner" });
    expect(records).toHaveLength(0);
  });

  test("a replayed journal record over an account that has it changes nothing (a snapshot taken after it)", async () => {
    const { records, journal } = recording();
    const core = await coreWith(journal);
    await core.transfers.authorize({ caller: APP, idempotencyKey: "k", body: BODY });
    const shard = core.runtime.homeShardOf("S1");
    const version = core.runtime.stateOf("S1")!.version;
    core.journalReplay.replay(JSON.stringify(records[0]), shard);
    expect(core.runtime.stateOf("S1")!).toMatchObject({ holdsMinor: 1000, version });
  });
});
