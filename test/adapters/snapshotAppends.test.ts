/**
 * Snapshot writes that append a busy account's new window ids to its stored value, against a
 * private real Redis: whatever happened before, the stored value is byte for byte what the codec
 * writes whole, and an append never lands twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { encodeAccount } from "../../src/adapters/redis/accountCodec.ts";
import { NativeScriptRunner } from "../../src/adapters/redis/nativeScriptRunner.ts";
import { SnapshotAppends } from "../../src/adapters/redis/snapshotAppends.ts";
import { RedisSnapshotStore } from "../../src/adapters/redis/snapshotStore.ts";
import { newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { apply, eod, txn } from "../domain/builders.ts";
import { privateRedis } from "../support/privateRedis.ts";

const server = privateRedis(6394, "snapshot-appends");
const PREFIX = "appends";
const SHARD = 3;
const INSTANCE = "appends-test";
let redis: Redis;
let writer: NativeScriptRunner;
let store: RedisSnapshotStore;
let epoch = 0;

beforeAll(async () => {
  server.stop();
  await server.start();
  redis = new Redis(server.url);
  writer = new NativeScriptRunner(server.url);
});

afterAll(() => {
  redis?.disconnect();
  writer?.close();
  server.stop();
});

beforeEach(async () => {
  await redis.flushall();
  store = new RedisSnapshotStore(redis, PREFIX, writer);
  epoch = await store.nextEpoch();
  expect((await store.claim(SHARD, epoch, INSTANCE)).granted).toBe(true);
});

let sequence = 0;
/** An account with an EOD; `transact` adds transactions whose ids carry `idText`. */
function busyAccount(accountId: string): AccountState {
  const state = newAccountState(accountId, 1_795_000_000_000);
  expect(apply(state, eod({ accountId, asOfDate: "2026-11-21" })).outcome).toBe("applied");
  return state;
}

function transact(state: AccountState, count: number, idText = "m", bookingDate = "2026-11-22"): void {
  for (let i = 0; i < count; i++) {
    sequence += 1;
    const decision = apply(state, txn({ accountId: state.accountId, messageId: `${idText}-${sequence}`, transactionId: `${idText}-t-${sequence}`, amount: "1.00", bookingDate }));
    expect(decision.outcome).toBe("applied");
  }
}

const write = (...states: AccountState[]) => store.write(SHARD, epoch, INSTANCE, new Map(states.map((s) => [s.accountId, s])), { t: String(++sequence) });
const stored = (accountId: string) => redis.hget(`${PREFIX}:${SHARD}:accounts`, accountId);

describe("appended snapshot values", () => {
  test("after a whole write and appends, each stored value is byte for byte what the codec writes", async () => {
    const accounts = [busyAccount("A1"), busyAccount("A2")];
    for (let round = 0; round < 5; round++) {
      for (const state of accounts) transact(state, round + 1);
      expect(await write(...accounts)).toBe("written");
      for (const state of accounts) expect(await stored(state.accountId)).toBe(encodeAccount(state));
    }
  });

  test("ids of any characters (quotes, backslashes, non-ASCII, astral) append exactly", async () => {
    const state = busyAccount('ü"€\\𝄞');
    transact(state, 2, 'q"\\');
    expect(await write(state)).toBe("written");
    for (const text of ["ü-€", "𝄞𝄞", 'a"b\\c', "\u2028x"]) {
      transact(state, 3, text);
      expect(await write(state)).toBe("written");
      expect(await stored(state.accountId)).toBe(encodeAccount(state));
    }
  });

  test("a change of the head alone (no new id) is written exactly", async () => {
    const state = busyAccount("H1");
    transact(state, 4);
    await write(state);
    state.holdsMinor += 0;
    state.version += 1;
    expect(await write(state)).toBe("written");
    expect(await stored("H1")).toBe(encodeAccount(state));
  });

  test("after the window forgets closed days (an EOD), the next write is whole and exact", async () => {
    const state = busyAccount("E1");
    transact(state, 6, "day1", "2026-11-22");
    await write(state);
    expect(apply(state, eod({ accountId: "E1", asOfDate: "2026-11-22", timestamp: "2026-11-23T00:05:00Z" })).outcome).toBe("applied");
    transact(state, 2, "day2", "2026-11-23");
    expect(await write(state)).toBe("written");
    expect(await stored("E1")).toBe(encodeAccount(state));
  });

  test("a stored value that is not the one last acknowledged (an append whose answer was lost, and landed) is rewritten whole, not appended twice", async () => {
    const state = busyAccount("L1");
    transact(state, 3);
    await write(state);
    const acknowledged = (await stored("L1"))!;
    // What a lost answer leaves: the stored value already has more than the engine knows it has.
    transact(state, 1);
    await redis.hset(`${PREFIX}:${SHARD}:accounts`, "L1", encodeAccount(state));
    expect(await stored("L1")).not.toBe(acknowledged);
    transact(state, 2);
    expect(await write(state)).toBe("written");
    expect(await stored("L1")).toBe(encodeAccount(state));
  });

  test("a diverged write stores neither its accounts nor its offsets until every account is right", async () => {
    const fine = busyAccount("F1");
    const gone = busyAccount("G1");
    transact(fine, 2);
    transact(gone, 2);
    await write(fine, gone);
    await redis.hdel(`${PREFIX}:${SHARD}:accounts`, "G1");
    transact(fine, 2);
    transact(gone, 2);
    expect(await write(fine, gone)).toBe("written");
    expect(await stored("F1")).toBe(encodeAccount(fine));
    expect(await stored("G1")).toBe(encodeAccount(gone));
    expect(JSON.parse((await redis.get(`${PREFIX}:${SHARD}:offsets`))!)).toEqual({ t: String(sequence) });
  });

  test("after Redis lost its data, the write says so, and the next one after a new claim is whole and exact", async () => {
    const state = busyAccount("R1");
    transact(state, 3);
    await write(state);
    await redis.flushall();
    transact(state, 1);
    expect(await write(state)).toBe("lost");
    epoch = await store.nextEpoch();
    expect((await store.claim(SHARD, epoch, INSTANCE)).granted).toBe(true);
    transact(state, 1);
    expect(await write(state)).toBe("written");
    expect(await stored("R1")).toBe(encodeAccount(state));
  });
});

describe("which accounts append", () => {
  test("an account whose window only grew since its acknowledged write appends; one never acknowledged, or listed whole, does not", () => {
    const appends = new SnapshotAppends();
    const state = busyAccount("P1");
    transact(state, 2);
    const first = appends.batch(new Map([["P1", state]]), new Set());
    expect(first.appended).toBe(0);
    transact(state, 1);
    expect(appends.batch(new Map([["P1", state]]), new Set()).appended).toBe(0); // the first was never acknowledged
    appends.acknowledged(first);
    expect(appends.batch(new Map([["P1", state]]), new Set()).appended).toBe(1);
    expect(appends.batch(new Map([["P1", state]]), new Set(["P1"])).appended).toBe(0);
    appends.forgetAll();
    expect(appends.batch(new Map([["P1", state]]), new Set()).appended).toBe(0);
  });

  test("a dormant account (its text) is written as it is", () => {
    const batch = new SnapshotAppends().batch(new Map([["D1", "[6,0,\"x\"]"]]), new Set());
    expect(batch.args).toEqual(["f", "D1", "[6,0,\"x\"]"]);
  });
});
