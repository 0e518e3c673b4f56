/**
 * The Postgres copy's schedule (contract section 5), with plain numbers for time: when an
 * account is due, what goes into a batch. No database, no timers.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { assertProperty } from "../support/seed.ts";
import type { AccountRow } from "../../src/runtime/ports.ts";
import { AccountSyncSchedule, SYNC_BATCH_ROWS_MAX } from "../../src/adapters/postgres/accountSyncSchedule.ts";

const MIN_INTERVAL_MS = 60_000;
const MAX_DELAY_MS = 60_000;
const everyone = () => true;

function row(accountId: string, version: number, balanceMinor = version * 100): AccountRow {
  return { accountId, balanceMinor, availableMinor: null, currency: "USD", eodDate: "2026-11-21", version, originMs: 0, updatedAtMs: 1_700_000_000_000 + version };
}

function schedule(minIntervalMs = MIN_INTERVAL_MS, maxDelayMs = MAX_DELAY_MS) {
  return new AccountSyncSchedule({ minIntervalMs, maxDelayMs });
}

describe("when an account is written", () => {
  test("a changed account is due after a short coalescing window, well within SYNC_MAX_DELAY_MS", () => {
    const s = schedule();
    s.markChanged(row("A", 1), 1000);
    expect(s.nextDueMs()).toBe(1000 + s.coalesceMs);
    expect(s.coalesceMs).toBeLessThanOrEqual(MAX_DELAY_MS / 10);
    expect(s.takeBatch(1000 + s.coalesceMs, everyone).rows.map((r) => r.accountId)).toEqual(["A"]);
  });

  test("no account is written more than once per SYNC_MIN_INTERVAL_MS", () => {
    const s = schedule();
    s.markChanged(row("A", 1), 0);
    const first = s.takeBatch(1000, everyone).rows;
    s.written(first, 1000);
    s.markChanged(row("A", 2), 1001);
    expect(s.nextDueMs()).toBe(1000 + MIN_INTERVAL_MS);
    expect(s.takeBatch(1000 + MIN_INTERVAL_MS - 1, everyone).rows).toEqual([]);
    expect(s.takeBatch(1000 + MIN_INTERVAL_MS, everyone).rows.map((r) => r.version)).toEqual([2]);
  });

  test("an account changed while cooling is written when the cooling ends, within SYNC_MAX_DELAY_MS of the change", () => {
    const s = schedule(200, 300);
    s.markChanged(row("A", 1), 0);
    s.written(s.takeBatch(30, everyone).rows, 30);
    s.markChanged(row("A", 2), 31); // just after the write: the worst case
    const dueMs = s.nextDueMs()!;
    expect(dueMs).toBe(230); // 199 ms after the change: within the 300 ms delay
  });

  test("a change made while its account's write is in flight waits for that write's cooling", () => {
    const s = schedule(200, 300);
    s.markChanged(row("A", 1), 0);
    const inFlight = s.takeBatch(30, everyone).rows;
    s.markChanged(row("A", 2), 35);
    expect(s.takeBatch(40, everyone).rows).toEqual([]);
    s.written(inFlight, 31);
    expect(s.takeBatch(230, everyone).rows).toEqual([]);
    expect(s.takeBatch(231, everyone).rows.map((r) => r.version)).toEqual([2]);
  });

  test("a ready account waits for a cooling that ends soon after, so both share one statement", () => {
    const s = schedule(200, 300); // coalesce 30 ms
    s.markChanged(row("A", 1), 0);
    s.written(s.takeBatch(0, everyone).rows, 0);
    s.markChanged(row("A", 2), 10); // cooling until 200
    s.markChanged(row("B", 1), 175); // ready at 205 alone; the cooling ends at 200
    expect(s.nextDueMs()).toBe(200);
    expect(s.takeBatch(200, everyone).rows.map((r) => r.accountId).sort()).toEqual(["A", "B"]);
  });

  test("nothing pending: nothing is due", () => {
    const s = schedule();
    expect(s.nextDueMs()).toBeNull();
    s.markChanged(row("A", 1), 0);
    s.written(s.takeBatch(10_000, everyone).rows, 10_000);
    expect(s.nextDueMs()).toBeNull();
    expect(s.pendingCount).toBe(0);
  });

  test("SYNC_MIN_INTERVAL_MS above SYNC_MAX_DELAY_MS is refused: the two rules could not both hold", () => {
    expect(() => schedule(60_001, 60_000)).toThrow(/SYNC_MIN_INTERVAL_MS/);
  });
});

describe("what goes into a batch", () => {
  test(`a batch holds at most ${SYNC_BATCH_ROWS_MAX} rows, each account once`, () => {
    const s = schedule();
    for (let i = 0; i < 2500; i++) s.markChanged(row(`A${i}`, 1), i);
    const sizes: number[] = [];
    const seen = new Set<string>();
    for (let batch = s.takeBatch(100_000, everyone).rows; batch.length > 0; batch = s.takeBatch(100_000, everyone).rows) {
      sizes.push(batch.length);
      for (const r of batch) seen.add(r.accountId);
      s.written(batch, 100_000);
    }
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(seen.size).toBe(2500);
  });

  test("the oldest changes go first when more than one batch is due", () => {
    const s = schedule();
    for (let i = 0; i < 1500; i++) s.markChanged(row(`A${i}`, 1), i);
    const first = s.takeBatch(100_000, everyone).rows;
    expect(first[0]!.accountId).toBe("A0");
    expect(first.at(-1)!.accountId).toBe("A999");
  });

  test("the latest value wins: many changes of one account make one row, its newest version", () => {
    const s = schedule();
    for (let version = 1; version <= 50; version++) s.markChanged(row("A", version), version);
    expect(s.pendingCount).toBe(1);
    expect(s.takeBatch(100_000, everyone).rows).toEqual([row("A", 50)]);
  });

  test("an older version never replaces a newer pending row", () => {
    const s = schedule();
    s.markChanged(row("A", 7), 0);
    s.markChanged(row("A", 3), 1);
    expect(s.takeBatch(100_000, everyone).rows.map((r) => r.version)).toEqual([7]);
  });

  test("a row of a later origin (the account rebuilt from nothing) replaces the pending row whatever its version", () => {
    const s = schedule();
    s.markChanged({ ...row("A", 7), originMs: 1000 }, 0);
    s.markChanged({ ...row("A", 1), originMs: 2000 }, 1);
    expect(s.takeBatch(100_000, everyone).rows.map((r) => [r.originMs, r.version])).toEqual([[2000, 1]]);
  });

  test("rows of accounts this instance no longer owns are dropped, not written (fencing)", () => {
    const s = schedule();
    s.markChanged(row("mine", 1), 0);
    s.markChanged(row("lost", 1), 0);
    const batch = s.takeBatch(100_000, (accountId) => accountId === "mine");
    expect(batch.rows.map((r) => r.accountId)).toEqual(["mine"]);
    expect(batch.fenced).toBe(1);
    expect(s.pendingCount).toBe(1); // the in-flight one
  });

  test("a flush takes cooling accounts too", () => {
    const s = schedule();
    s.markChanged(row("A", 1), 0);
    s.written(s.takeBatch(1000, everyone).rows, 1000);
    s.markChanged(row("A", 2), 1001);
    expect(s.takeBatch(1002, everyone).rows).toEqual([]);
    expect(s.takeBatch(1002, everyone, true).rows.map((r) => r.version)).toEqual([2]);
  });
});

describe("a failed write", () => {
  test("leaves its rows pending, to be written on the next attempt", () => {
    const s = schedule();
    s.markChanged(row("A", 1), 0);
    const batch = s.takeBatch(1000, everyone).rows;
    s.failed(batch);
    expect(s.pendingCount).toBe(1);
    expect(s.takeBatch(1001, everyone).rows).toEqual([row("A", 1)]); // a failure starts no cooling
  });

  test("keeps the newer row that arrived while it was in flight", () => {
    const s = schedule();
    s.markChanged(row("A", 1), 0);
    const batch = s.takeBatch(1000, everyone).rows;
    s.markChanged(row("A", 2), 1001);
    s.failed(batch);
    expect(s.pendingCount).toBe(1);
    expect(s.takeBatch(1002, everyone).rows).toEqual([row("A", 2)]);
  });
});

/**
 * A runner that wakes exactly when the schedule says, over random changes of a few accounts:
 * every change reaches a write within SYNC_MAX_DELAY_MS, no account is written twice within
 * SYNC_MIN_INTERVAL_MS, and the last write of each account carries its last version.
 */
describe("the rules hold for any sequence of changes", () => {
  const scenario = fc.record({
    minIntervalMs: fc.integer({ min: 0, max: 500 }),
    extraDelayMs: fc.integer({ min: 0, max: 500 }),
    changes: fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 300 }), account: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 200 }),
    writeMs: fc.integer({ min: 0, max: 50 }),
  });

  test("every change is written within SYNC_MAX_DELAY_MS, and no account twice within SYNC_MIN_INTERVAL_MS", () => {
    assertProperty(fc.property(scenario, ({ minIntervalMs, extraDelayMs, changes, writeMs }) => {
      const maxDelayMs = minIntervalMs + extraDelayMs;
      const s = schedule(minIntervalMs, maxDelayMs);
      const versions = new Map<string, number>();
      const pendingSince = new Map<string, { version: number; atMs: number }[]>();
      const writes = new Map<string, number[]>();
      let nowMs = 0;
      let busyUntilMs = 0; // one statement at a time, each taking writeMs

      const runUntil = (untilMs: number) => {
        for (;;) {
          const dueMs = s.nextDueMs();
          if (dueMs === null) return;
          const atMs = Math.max(dueMs, busyUntilMs, nowMs);
          if (atMs > untilMs) return;
          nowMs = atMs;
          const { rows } = s.takeBatch(nowMs, everyone);
          if (rows.length === 0) continue;
          expect(rows.length).toBeLessThanOrEqual(SYNC_BATCH_ROWS_MAX);
          for (const r of rows) {
            const times = writes.get(r.accountId) ?? [];
            if (times.length > 0) expect(nowMs - times.at(-1)!).toBeGreaterThanOrEqual(minIntervalMs);
            times.push(nowMs);
            writes.set(r.accountId, times);
            for (const change of pendingSince.get(r.accountId) ?? []) {
              expect(change.version).toBeLessThanOrEqual(r.version);
              expect(nowMs - change.atMs).toBeLessThanOrEqual(maxDelayMs + writeMs); // a write in flight may hold it back
            }
            pendingSince.delete(r.accountId);
          }
          s.written(rows, nowMs);
          busyUntilMs = nowMs + writeMs;
        }
      };

      for (const { gapMs, account } of changes) {
        const untilMs = nowMs + gapMs;
        runUntil(untilMs);
        nowMs = untilMs;
        const accountId = `A${account}`;
        const version = (versions.get(accountId) ?? 0) + 1;
        versions.set(accountId, version);
        s.markChanged(row(accountId, version), nowMs);
        pendingSince.set(accountId, [...(pendingSince.get(accountId) ?? []), { version, atMs: nowMs }]);
      }
      runUntil(Number.MAX_SAFE_INTEGER);
      expect(s.pendingCount).toBe(0);
      expect(pendingSince.size).toBe(0);
    }), { numRuns: 300 });
  });
});
