/**
 * Dormant accounts: a recovery keeps most accounts as their snapshot's text; each is decoded at
 * its first task or read, and the listings that must not wake 1M accounts do not.
 */
import { describe, expect, test } from "bun:test";
import { decodeAccount, dormantRowOf, dormantUsesFacility, encodeAccount } from "../../src/adapters/redis/accountCodec.ts";
import { newAccountState } from "../../src/domain/account/accountState.ts";
import type { AccountRow } from "../../src/runtime/ports.ts";
import { AccountRuntime } from "../../src/runtime/accountRuntime.ts";
import { copyDormantAccounts, DORMANT_COPY_BACKLOG_MAX } from "../../src/runtime/dormantCopy.ts";
import { createLogger } from "../../src/observability/log.ts";
import { apply, eod, txn } from "../domain/builders.ts";

const codec = { decode: decodeAccount, usesFacility: dormantUsesFacility, rowOf: dormantRowOf };

/** An account `accountId` on facility `facilityId` with one transaction, as its snapshot text. */
function snapshotText(accountId: string, facilityId = "456"): string {
  const state = newAccountState(accountId);
  for (const wire of [eod({ accountId, facilityId, balance: "100.00" }), txn({ accountId, amount: "-1.00" })]) {
    if (apply(state, wire).outcome !== "applied") throw new Error("the fixture's message was not applied");
  }
  return encodeAccount(state);
}

/** A runtime whose shard 0 was recovered with the given dormant accounts. */
function recovered(...accountIds: string[]): AccountRuntime {
  const runtime = new AccountRuntime(1, Date.now, codec);
  runtime.load(0, [], new Map(accountIds.map((id) => [id, snapshotText(id)])));
  return runtime;
}

describe("dormant accounts", () => {
  test("a dormant account is decoded by its first task, and what the task changes is kept", () => {
    const runtime = recovered("a1");
    runtime.run(0, "a1", (state) => { state.holdsMinor += 0; state.version += 1; });
    expect(runtime.dormantCount()).toBe(0);
    expect(runtime.stateOf("a1")?.version).toBe(3); // EOD, transaction, then the task's
  });

  test("a read wakes it and answers its balance", () => {
    const runtime = recovered("a1", "a2");
    expect(runtime.stateOf("a1")?.intradayTotalMinor).toBe(-100);
    expect(runtime.dormantCount()).toBe(1);
  });

  test("holds, isAt, rowOf and rows leave it dormant", () => {
    const runtime = recovered("a1", "a2");
    expect(runtime.holds("a1")).toBe(true);
    expect(runtime.holds("nobody")).toBe(false);
    expect(runtime.isAt("a1", 2)).toBe(true);
    expect(runtime.rowOf("a2")).toMatchObject({ accountId: "a2", balanceMinor: 9_900, version: 2 });
    expect([...runtime.rows()].map((row) => row.accountId).sort()).toEqual(["a1", "a2"]);
    expect(runtime.dormantCount()).toBe(2);
    expect(runtime.accountCount()).toBe(2);
  });

  test("a dormant account's row is the row of the account it wakes to", () => {
    const runtime = recovered("a1");
    const row = runtime.rowOf("a1");
    const woken = runtime.stateOf("a1")!;
    expect(runtime.rowOf("a1")).toEqual(row);
    expect(row).toMatchObject({ accountId: "a1", version: woken.version, originMs: woken.originMs, updatedAtMs: woken.updatedAtMs });
  });

  test("a woken account that changed is no longer at its old version", () => {
    const runtime = recovered("a1");
    runtime.run(0, "a1", (state) => { state.version += 1; });
    expect(runtime.isAt("a1", 2)).toBe(false);
    expect(runtime.isAt("a1", 3)).toBe(true);
  });

  test("the awake listing has only the woken accounts", () => {
    const runtime = recovered("a1", "a2");
    runtime.stateOf("a2");
    expect([...runtime.awakeAccounts()].map(([, state]) => state.accountId)).toEqual(["a2"]);
  });

  test("the awake visit has the woken and created accounts of every shard, and no dormant one", () => {
    const runtime = new AccountRuntime(4, Date.now, codec);
    const ids = ["a1", "a2", "a3", "a4", "a5", "a6"];
    const byShard = new Map<number, string[]>();
    for (const id of ids) byShard.set(runtime.homeShardOf(id), [...(byShard.get(runtime.homeShardOf(id)) ?? []), id]);
    expect(byShard.size).toBeGreaterThan(1);
    for (const [shardId, held] of byShard) {
      const [created, ...dormant] = held;
      runtime.load(shardId, [newAccountState(created!)], new Map(dormant.map((id) => [id, snapshotText(id)])));
    }
    const woken = [...byShard.values()].flatMap(([, ...dormant]) => dormant.slice(0, 1));
    for (const id of woken) runtime.stateOf(id);
    const visited: string[] = [];
    runtime.forEachAwake((state) => visited.push(state.accountId));
    const expected = [...[...byShard.values()].map(([created]) => created!), ...woken].sort();
    expect(visited.sort()).toEqual(expected);
    expect(visited).toEqual([...runtime.awakeAccounts()].map(([, state]) => state.accountId).sort());
  });

  test("a facility change finds the dormant accounts of that facility without waking the others", () => {
    const runtime = new AccountRuntime(1, Date.now, codec);
    runtime.load(0, [], new Map([["a1", snapshotText("a1", "F1")], ["a2", snapshotText("a2", "F2")]]));
    expect([...runtime.onFacility("F1")]).toEqual([[0, "a1"]]);
    expect(runtime.dormantCount()).toBe(2);
  });

  test("a dormant text that does not decode fails at every use and stays dormant", () => {
    const runtime = new AccountRuntime(1, Date.now, codec);
    runtime.load(0, [], new Map([["a1", "[6,0,not json"]]));
    expect(() => runtime.stateOf("a1")).toThrow(/not JSON/);
    expect(() => runtime.run(0, "a1", () => 1)).toThrow(/not JSON/);
    expect(runtime.dormantCount()).toBe(1);
  });

  test("a dormant text filed under another account's id fails instead of answering for it", () => {
    const runtime = new AccountRuntime(1, Date.now, codec);
    runtime.load(0, [], new Map([["a1", snapshotText("a2")]]));
    expect(() => runtime.stateOf("a1")).toThrow(/holds the state of a2/);
  });
});

describe("a recovered shard", () => {
  test("an account first seen after a recovery starts now, like any new account (its origin orders its Postgres rows)", () => {
    const runtime = new AccountRuntime(1, () => 1_795_000_000_123, codec);
    runtime.load(0, [], new Map()); // a snapshot without the account: Redis flushed, or an account never seen
    expect(runtime.run(0, "new", (state) => state.originMs)).toBe(1_795_000_000_123);
  });
});

describe("the Postgres copy after a recovery", () => {
  const quiet = createLogger("error");

  test("every dormant account's row is handed to the copy, and each stays dormant", async () => {
    const ids = Array.from({ length: 2500 }, (_, n) => `acct-${n}`);
    const runtime = recovered(...ids);
    const copied: string[] = [];
    const deps = { runtime, copy: (row: AccountRow) => copied.push(row.accountId), backlog: () => 0, isStopping: () => false, isRecovering: () => false, log: quiet };
    expect(await copyDormantAccounts(deps, 0)).toBe(2500);
    expect(copied.sort()).toEqual([...ids].sort());
    expect(runtime.dormantCount()).toBe(2500);
  });

  test("an account woken and changed before the walk reaches it is copied as it is now", async () => {
    const runtime = recovered("a1");
    let backlog = DORMANT_COPY_BACKLOG_MAX + 1;
    const versions: number[] = [];
    const walk = copyDormantAccounts({ runtime, copy: (row) => versions.push(row.version), backlog: () => backlog, isStopping: () => false, isRecovering: () => false, log: quiet }, 0);
    runtime.run(0, "a1", (state) => { state.version += 1; });
    backlog = 0;
    await walk;
    expect(versions).toEqual([3]);
  });

  test("the walk waits while the copy's backlog is above its bound", async () => {
    const runtime = recovered("a1");
    let backlog = DORMANT_COPY_BACKLOG_MAX + 1;
    const copied: string[] = [];
    const walk = copyDormantAccounts({ runtime, copy: (row) => copied.push(row.accountId), backlog: () => backlog, isStopping: () => false, isRecovering: () => false, log: quiet }, 0);
    await Bun.sleep(100);
    expect(copied).toEqual([]);
    backlog = 0;
    await walk;
    expect(copied).toEqual(["a1"]);
  });

  test("the walk waits until every shard of the assignment is recovered (readiness waits for them all)", async () => {
    const runtime = recovered("a1");
    let recovering = true;
    const copied: string[] = [];
    const walk = copyDormantAccounts({ runtime, copy: (row) => copied.push(row.accountId), backlog: () => 0, isStopping: () => false, isRecovering: () => recovering, log: quiet }, 0);
    await Bun.sleep(100);
    expect(copied).toEqual([]);
    recovering = false;
    await walk;
    expect(copied).toEqual(["a1"]);
  });

  test("the walk stops when the shard is recovered again (that recovery walks its own accounts)", async () => {
    const runtime = recovered("a1");
    let backlog = DORMANT_COPY_BACKLOG_MAX + 1;
    const copied: string[] = [];
    const walk = copyDormantAccounts({ runtime, copy: (row) => copied.push(row.accountId), backlog: () => backlog, isStopping: () => false, isRecovering: () => false, log: quiet }, 0);
    runtime.load(0, [], new Map([["a1", snapshotText("a1")]]));
    backlog = 0;
    expect(await walk).toBe(0);
    expect(copied).toEqual([]);
  });

  test("a text that does not decode is reported by the walk and the others are copied", async () => {
    const runtime = new AccountRuntime(1, Date.now, codec);
    runtime.load(0, [], new Map([["bad", "[6,0,x"], ["a1", snapshotText("a1")]]));
    const errors: string[] = [];
    const log = { ...quiet, error: (event: string) => errors.push(event) } as typeof quiet;
    const copied: string[] = [];
    expect(await copyDormantAccounts({ runtime, copy: (row) => copied.push(row.accountId), backlog: () => 0, isStopping: () => false, isRecovering: () => false, log }, 0)).toBe(1);
    expect(copied).toEqual(["a1"]);
    expect(errors).toEqual(["snapshot_account_corrupt"]);
  });
});
