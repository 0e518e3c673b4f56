/**
 * The engine's core with recording outputs and an in-memory facility table: each message's
 * effects reach the outputs, in order per account, also across a lookup that has to wait.
 */
import { describe, expect, test } from "bun:test";
import { createEngineCore } from "../../src/apps/engine/engineCore.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { createLogger } from "../../src/observability/log.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import type { DeadLetter } from "../../src/runtime/deadLetter.ts";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import type { EngineOutputs, Facility, FacilityStore, ProcessedMessage } from "../../src/runtime/ports.ts";
import { eod, txn } from "../domain/builders.ts";

const HTTP = { kind: "http" } as const;
const SHARDS = 12;

/** A facility table whose reads wait until `release()` when gated, and fail while `down`. */
function facilityTable(rows: Facility[]) {
  let release = () => {};
  let gate: Promise<void> | null = null;
  const store: FacilityStore & { gate(): void; release(): void; down: boolean } = {
    down: false,
    async get(facilityId) {
      if (gate !== null) await gate;
      if (store.down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      return rows.find((row) => row.facilityId === facilityId) ?? null;
    },
    async upsert(facility) {
      rows.push(facility);
    },
    gate: () => void (gate = new Promise((resolve) => (release = resolve))),
    release: () => {
      gate = null;
      release();
    },
  };
  return store;
}

function recordingCore(rows: Facility[] = [{ facilityId: "456", limitMinor: 500_000, currency: "USD" }], facilityLookupWaitMs = 5000) {
  const changed: { accountId: string; version: number; shardId: number }[] = [];
  const letters: DeadLetter[] = [];
  const alerts: string[] = [];
  const processed: ProcessedMessage[] = [];
  const outputs: EngineOutputs = {
    balanceChanged: (state, shardId) => changed.push({ accountId: state.accountId, version: state.version, shardId }),
    alertRaised: (alert) => alerts.push(alert.transactionId),
    deadLettered: (letter) => letters.push(letter),
    messageProcessed: (event) => processed.push(event),
  };
  const facilityStore = facilityTable(rows);
  const core = createEngineCore({
    shardCount: SHARDS, alertThresholds: alertThresholdsFor("10000.00")!, facilityCacheTtlMs: 60_000, facilityCacheEntriesMax: 100, facilityLookupWaitMs,
    facilityStore, outputs, metrics: createMetrics(), log: createLogger("error", () => {}), now: () => Date.UTC(2026, 10, 22, 10),
  });
  return { core, facilityStore, changed, letters, alerts, processed };
}

describe("the engine core with recording outputs", () => {
  test("an applied message pushes the account's new version from its home shard", async () => {
    const { core, changed } = recordingCore();
    await core.ingest.ingest({ value: eod({ accountId: "A1" }), source: HTTP });
    core.ingest.ingest({ value: txn({ accountId: "A1", amount: "5.00" }), source: HTTP });
    expect(changed).toEqual([
      { accountId: "A1", version: 1, shardId: partitionForKey("A1", SHARDS) },
      { accountId: "A1", version: 2, shardId: partitionForKey("A1", SHARDS) },
    ]);
  });

  test("an invalid message is dead-lettered with its payload, reason and source, and nothing changes", () => {
    const { core, changed, letters, processed } = recordingCore();
    const result = core.ingest.ingest({ text: '{"type":"TRANSACTION","messageId":"bad"}', source: { kind: "kafka", topic: "t", partition: 3, offset: "42" } });
    expect(result).toEqual({ outcome: "dead_lettered", reason: "invalid_schema", messageId: "bad" });
    expect(letters).toMatchObject([{ messageId: "bad", reason: "invalid_schema", source: { kind: "kafka", topic: "t", partition: 3, offset: "42" }, payload: '{"type":"TRANSACTION","messageId":"bad"}' }]);
    expect(changed).toEqual([]);
    expect(processed).toMatchObject([{ outcome: "dead_lettered", reason: "invalid_schema", messageId: "bad" }]);
  });

  test("a high-value transaction raises one alert", async () => {
    const { core, alerts } = recordingCore();
    await core.ingest.ingest({ value: eod({ accountId: "A2" }), source: HTTP });
    core.ingest.ingest({ value: txn({ accountId: "A2", transactionId: "big", amount: "10000.00" }), source: HTTP });
    core.ingest.ingest({ value: txn({ accountId: "A2", transactionId: "small", amount: "9999.99" }), source: HTTP });
    expect(alerts).toEqual(["big"]);
  });

  test("an account's later messages wait for its facility lookup and apply after it, in order; others go on", async () => {
    const { core, facilityStore, changed } = recordingCore();
    facilityStore.gate();
    const first = core.ingest.ingest({ value: eod({ accountId: "W" }), source: HTTP });
    const second = core.ingest.ingest({ value: txn({ accountId: "W", amount: "1.00" }), source: HTTP });
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    expect(core.runtime.queuedTotal()).toBe(1);
    expect(core.ingest.ingest({ value: txn({ accountId: "OTHER", amount: "2.00" }), source: HTTP })).toMatchObject({ outcome: "applied" });
    facilityStore.release();
    expect(await Promise.all([first, second])).toMatchObject([{ outcome: "applied" }, { outcome: "applied" }]);
    expect(changed.filter((c) => c.accountId === "W").map((c) => c.version)).toEqual([1, 2]);
    expect(core.balances.balanceOf("W")).toMatchObject({ currentBalance: "1001.00", availableBalance: "6001.00", version: 2 });
  });

  test("a facility change pushes every account that uses it, and only those", async () => {
    const { core, changed } = recordingCore([
      { facilityId: "456", limitMinor: 500_000, currency: "USD" },
      { facilityId: "789", limitMinor: 100, currency: "USD" },
    ]);
    await core.ingest.ingest({ value: eod({ accountId: "F1", facilityId: "456" }), source: HTTP });
    await core.ingest.ingest({ value: eod({ accountId: "F2", facilityId: "456" }), source: HTTP });
    await core.ingest.ingest({ value: eod({ accountId: "F3", facilityId: "789" }), source: HTTP });
    changed.length = 0;
    expect(await core.facilities.setFacilityLimit({ facilityId: "456", limitMinor: 1_000, currency: "USD" })).toBe(2);
    expect(changed.map((c) => c.accountId).sort()).toEqual(["F1", "F2"]);
    expect(core.balances.balanceOf("F1")).toMatchObject({ facilityLimit: "10.00", availableBalance: "1010.00" });
  });

  test("a facility moved to another currency leaves its accounts of the old currency with the limit unknown", async () => {
    const { core, changed } = recordingCore();
    await core.ingest.ingest({ value: eod({ accountId: "C1", facilityId: "456", currency: "USD" }), source: HTTP });
    changed.length = 0;
    expect(await core.facilities.setFacilityLimit({ facilityId: "456", limitMinor: 900, currency: "EUR" })).toBe(1);
    expect(core.balances.balanceOf("C1")).toMatchObject({ facilityLimitKnown: false, facilityLimit: null, availableBalance: null, version: 2 });
    expect(changed.map((c) => c.accountId)).toEqual(["C1"]);
  });

  test("an EOD whose table stays down past the wait is applied with the limit unknown, and the limit is filled in once the table answers", async () => {
    const { core, facilityStore, changed, letters } = recordingCore(undefined, 300);
    facilityStore.down = true;
    const result = await core.ingest.ingest({ value: eod({ accountId: "U1", messageId: "eod-U1" }), source: HTTP });
    expect(result).toEqual({ messageId: "eod-U1", outcome: "applied", warning: "facility_unavailable" });
    expect(letters).toMatchObject([{ messageId: "eod-U1", reason: "facility_unavailable" }]);
    expect(core.balances.balanceOf("U1")).toMatchObject({ currentBalance: "1000.00", facilityLimitKnown: false, version: 1 });
    core.ingest.ingest({ value: txn({ accountId: "U1", amount: "1.00" }), source: HTTP }); // the account goes on meanwhile
    facilityStore.down = false;
    while (core.balances.balanceOf("U1")?.facilityLimitKnown !== true) await Bun.sleep(20);
    expect(core.balances.balanceOf("U1")).toMatchObject({ availableBalance: "6001.00", version: 3 });
    expect(changed.filter((c) => c.accountId === "U1").map((c) => c.version)).toEqual([1, 2, 3]);
    core.stop();
  });
});
