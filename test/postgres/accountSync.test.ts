/**
 * The sync's runner on a manual clock: its timers fire when the test says, so what it writes and
 * when is checked exactly. Writes go to the embedded store (PGlite, real Postgres SQL) or to a
 * SqlClient that fails on purpose.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { AccountRow } from "../../src/runtime/ports.ts";
import { AccountSync, SYNC_RETRY_MS_MAX, SYNC_STATEMENTS_IN_FLIGHT_MAX, type SyncTimers } from "../../src/adapters/postgres/accountSync.ts";
import { upsertAccountRows } from "../../src/adapters/postgres/accountSyncWriter.ts";
import { openEmbeddedStore, type EmbeddedStore } from "../../src/adapters/postgres/embeddedStore.ts";
import { PostgresAccountCopy } from "../../src/adapters/postgres/accountCopyReader.ts";
import type { SqlQuery } from "../../src/adapters/postgres/sqlClient.ts";
import { accountCopyBodyOf } from "../../src/http/accountCopyBody.ts";

const MIN_INTERVAL_MS = 200;
const MAX_DELAY_MS = 300;

/** Timers that fire only when the test advances the clock. */
class ManualTimers implements SyncTimers {
  nowMs = 1_000_000;
  private timers: { atMs: number; callback: () => void; id: number }[] = [];
  private nextId = 0;

  now = () => this.nowMs;
  setTimeout = (callback: () => void, delayMs: number) => {
    const id = ++this.nextId;
    this.timers.push({ atMs: this.nowMs + delayMs, callback, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  };

  /** Moves the clock forward, firing each timer at its time and letting its writes finish. */
  async advance(ms: number, sync: AccountSync): Promise<void> {
    const targetMs = this.nowMs + ms;
    for (;;) {
      await sync.settled();
      const next = this.timers.filter((timer) => timer.atMs <= targetMs).sort((a, b) => a.atMs - b.atMs)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.callback();
      await Bun.sleep(0);
    }
    this.nowMs = targetMs;
  }
}

/** Records each statement: when it was sent and which accounts it carried. */
class RecordingSql implements SqlQuery {
  readonly statements: { atMs: number; accountIds: string[] }[] = [];
  failuresLeft = 0;
  constructor(private readonly target: SqlQuery | null, private readonly timers: ManualTimers) {}

  async query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }> {
    this.statements.push({ atMs: this.timers.nowMs, accountIds: (params?.[0] as string[]) ?? [] });
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
    }
    return this.target === null ? { rows: [] } : this.target.query<Row>(sql, params);
  }

  async exec(): Promise<void> {
    throw new Error("the sync runs no scripts");
  }
}

function row(accountId: string, version: number, balanceMinor = version * 100): AccountRow {
  return { accountId, balanceMinor, availableMinor: balanceMinor + 500_000, currency: "USD", eodDate: "2026-11-21", version, originMs: 0, updatedAtMs: 1_790_000_000_000 + version };
}

let store: EmbeddedStore;
let timers: ManualTimers;
let sql: RecordingSql;
let sync: AccountSync;

beforeAll(async () => {
  store = await openEmbeddedStore("");
}, 60_000);

afterAll(async () => {
  await store.close();
});

beforeEach(async () => {
  await store.query("TRUNCATE datalake.account");
  timers = new ManualTimers();
  sql = new RecordingSql(store, timers);
  sync = new AccountSync({ sql, minIntervalMs: MIN_INTERVAL_MS, maxDelayMs: MAX_DELAY_MS, timers });
});

afterEach(async () => {
  await sync.stop();
});

async function versionsInTable(): Promise<Record<string, number>> {
  const { rows } = await store.query<{ account_id: string; version: unknown }>("SELECT account_id, version FROM datalake.account");
  return Object.fromEntries(rows.map((r) => [r.account_id, Number(r.version)]));
}

describe("propagation of changes", () => {
  test("an account that changed is written within SYNC_MAX_DELAY_MS, in one statement with the others due", async () => {
    for (let i = 0; i < 5; i++) sync.markChanged(row(`A${i}`, 1));
    await timers.advance(MAX_DELAY_MS, sync);
    expect(sql.statements).toHaveLength(1);
    expect(await versionsInTable()).toEqual({ A0: 1, A1: 1, A2: 1, A3: 1, A4: 1 });
    expect(sync.status()).toEqual({ pendingRows: 0, failuresInARow: 0, lastError: null });
  });

  test("no account is written more than once per SYNC_MIN_INTERVAL_MS, and its latest value wins", async () => {
    for (let version = 1; version <= 40; version++) {
      sync.markChanged(row("A", version));
      await timers.advance(10, sync);
    }
    await timers.advance(MAX_DELAY_MS, sync);
    const times = sql.statements.map((s) => s.atMs);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(MIN_INTERVAL_MS);
    expect(times.length).toBeLessThanOrEqual(3); // 400 ms of changes: at most one write per interval
    expect(await versionsInTable()).toEqual({ A: 40 });
  });

  test("an account changed again after its write is written again once its interval has passed", async () => {
    sync.markChanged(row("A", 1));
    await timers.advance(MAX_DELAY_MS / 10, sync); // the coalescing window
    expect(sql.statements).toHaveLength(1);
    sync.markChanged(row("A", 2));
    await timers.advance(MIN_INTERVAL_MS - 1, sync);
    expect(await versionsInTable()).toEqual({ A: 1 });
    await timers.advance(1, sync);
    expect(await versionsInTable()).toEqual({ A: 2 });
    expect(sql.statements[1]!.atMs - sql.statements[0]!.atMs).toBe(MIN_INTERVAL_MS);
  });

  test("writes go in batches of at most 1000 rows", async () => {
    for (let i = 0; i < 2345; i++) sync.markChanged(row(`A${i}`, 1));
    await timers.advance(MAX_DELAY_MS, sync);
    expect(sql.statements.map((s) => s.accountIds.length)).toEqual([1000, 1000, 345]);
    expect(Object.keys(await versionsInTable())).toHaveLength(2345);
  });
});

/** Holds every statement until the test releases it, to see what runs at once. */
class GatedSql implements SqlQuery {
  readonly waiting: { accountIds: string[]; release: () => void }[] = [];
  inFlight = 0;
  inFlightMax = 0;
  async query<Row>(_sql: string, params?: unknown[]): Promise<{ rows: Row[] }> {
    this.inFlight += 1;
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlight);
    const accountIds = params?.[0] as string[];
    await new Promise<void>((release) => this.waiting.push({ accountIds, release }));
    this.inFlight -= 1;
    return { rows: [{ applied: accountIds.length }] as Row[] };
  }
  releaseAll(): void {
    for (const statement of this.waiting.splice(0)) statement.release();
  }
  async exec(): Promise<void> {
    throw new Error("the sync runs no scripts");
  }
}

describe("statements in flight", () => {
  test("several statements run at once, and never with the same account in two", async () => {
    const gated = new GatedSql();
    const concurrent = new AccountSync({ sql: gated, minIntervalMs: MIN_INTERVAL_MS, maxDelayMs: MAX_DELAY_MS, timers });
    const lanes = SYNC_STATEMENTS_IN_FLIGHT_MAX;
    for (let i = 0; i < (lanes + 1) * 1000; i++) concurrent.markChanged(row(`A${i}`, 1));
    const flushed = concurrent.flush();
    await Bun.sleep(0);
    expect(gated.waiting.map((s) => s.accountIds.length)).toEqual(Array(lanes).fill(1000));
    expect(new Set(gated.waiting.flatMap((s) => s.accountIds)).size).toBe(lanes * 1000);
    concurrent.markChanged(row("A0", 2)); // changed while its statement runs: it waits for it
    while (gated.waiting.length > 0) {
      gated.releaseAll();
      await Bun.sleep(0);
    }
    await flushed;
    expect(gated.inFlightMax).toBe(lanes);
    expect(concurrent.status().pendingRows).toBe(0);
  });

  test("statements failing together count as one failure for the backoff", async () => {
    sql.failuresLeft = 2;
    for (let i = 0; i < 1500; i++) sync.markChanged(row(`A${i}`, 1));
    await timers.advance(MAX_DELAY_MS / 10, sync); // the coalescing window: both statements fail
    expect(sql.statements.map((s) => s.accountIds.length)).toEqual([1000, 500]);
    expect(sync.status().failuresInARow).toBe(1);
    await timers.advance(99, sync);
    expect(sql.statements).toHaveLength(2);
    await timers.advance(1, sync); // the first backoff step (100 ms), not the second
    expect(sql.statements).toHaveLength(4);
    expect(Object.keys(await versionsInTable())).toHaveLength(1500);
  });
});

describe("while the database is down", () => {
  test("failed writes are retried with a doubling backoff, and nothing is lost", async () => {
    sql.failuresLeft = 4;
    sync.markChanged(row("A", 1));
    sync.markChanged(row("B", 1));
    await timers.advance(MAX_DELAY_MS, sync);
    sync.markChanged(row("A", 2)); // a newer value while the writes fail
    await timers.advance(10_000, sync);
    const gaps = sql.statements.slice(1).map((s, i) => s.atMs - sql.statements[i]!.atMs);
    expect(gaps.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(await versionsInTable()).toEqual({ A: 2, B: 1 });
    expect(sync.status()).toEqual({ pendingRows: 0, failuresInARow: 0, lastError: null });
  });

  test("the backoff stops growing at 30 s", async () => {
    sql.failuresLeft = 15;
    sync.markChanged(row("A", 1));
    await timers.advance(MAX_DELAY_MS, sync);
    await timers.advance(300_000, sync);
    const gaps = sql.statements.slice(1).map((s, i) => s.atMs - sql.statements[i]!.atMs);
    expect(Math.max(...gaps)).toBe(SYNC_RETRY_MS_MAX);
    expect(await versionsInTable()).toEqual({ A: 1 });
  });

  test("the status tells how many rows wait and why", async () => {
    sql.failuresLeft = 100;
    for (let i = 0; i < 3; i++) sync.markChanged(row(`A${i}`, 1));
    await timers.advance(1000, sync);
    expect(sync.status()).toMatchObject({ pendingRows: 3, lastError: "connect ECONNREFUSED 127.0.0.1:5432" });
    expect(sync.status().failuresInARow).toBeGreaterThan(1);
  });
});

describe("shutdown and fencing", () => {
  test("flush writes everything pending now, ignoring the interval", async () => {
    sync.markChanged(row("A", 1));
    await timers.advance(MAX_DELAY_MS, sync);
    sync.markChanged(row("A", 2));
    sync.markChanged(row("B", 1));
    await sync.stop();
    await sync.flush();
    expect(await versionsInTable()).toEqual({ A: 2, B: 1 });
  });

  test("after stop no timer writes anything", async () => {
    await sync.stop();
    sync.markChanged(row("A", 1));
    await timers.advance(10_000, sync);
    expect(sql.statements).toHaveLength(0);
    expect(sync.status().pendingRows).toBe(1);
  });

  test("flush rejects while the database is down and keeps the rows pending", async () => {
    sql.failuresLeft = 1;
    sync.markChanged(row("A", 1));
    await sync.stop();
    await expect(sync.flush()).rejects.toThrow(/ECONNREFUSED/);
    expect(sync.status().pendingRows).toBe(1);
    await sync.flush();
    expect(await versionsInTable()).toEqual({ A: 1 });
  });

  test("a zombie instance that lost the partition stops writing its accounts", async () => {
    const owned = new Set(["A", "B"]);
    const fenced: number[] = [];
    const zombie = new AccountSync({
      sql, minIntervalMs: MIN_INTERVAL_MS, maxDelayMs: MAX_DELAY_MS, timers,
      isOwner: (accountId) => owned.has(accountId), observer: { rowsFenced: (count) => fenced.push(count) },
    });
    zombie.markChanged(row("A", 1));
    zombie.markChanged(row("B", 1));
    await timers.advance(MAX_DELAY_MS, zombie);
    owned.delete("B"); // the partition of B moved to another instance
    zombie.markChanged(row("A", 2));
    zombie.markChanged(row("B", 2));
    await timers.advance(1000, zombie);
    await zombie.stop();
    expect(await versionsInTable()).toEqual({ A: 2, B: 1 });
    expect(fenced).toEqual([1]);
  });

  test("an older version never overwrites a newer one in the table", async () => {
    expect(await upsertAccountRows(store, [row("A", 5, 500)])).toEqual({ applied: 1, refused: 0 });
    expect(await upsertAccountRows(store, [row("A", 4, 400), row("B", 1)])).toEqual({ applied: 1, refused: 1 }); // only B
    expect(await upsertAccountRows(store, [row("A", 5, 999)])).toEqual({ applied: 0, refused: 0 }); // same version: no change
    const { rows } = await store.query<{ account_id: string; account_balance: unknown }>(
      "SELECT account_id, account_balance FROM datalake.account ORDER BY account_id");
    expect(rows.map((r) => [r.account_id, Number(r.account_balance)])).toEqual([["A", 500], ["B", 100]]);
  });
});

describe("observer hooks", () => {
  test("each statement is reported with its rows and the rows it changed, each failure with its retry", async () => {
    const written: { rows: number; applied: number }[] = [];
    const failed: { rows: number; retryInMs: number }[] = [];
    const observed = new AccountSync({
      sql, minIntervalMs: MIN_INTERVAL_MS, maxDelayMs: MAX_DELAY_MS, timers,
      observer: {
        batchWritten: ({ rows, applied }) => written.push({ rows, applied }),
        batchFailed: ({ rows, retryInMs }) => failed.push({ rows, retryInMs }),
      },
    });
    await upsertAccountRows(store, [row("B", 9)]);
    sql.failuresLeft = 1;
    observed.markChanged(row("A", 1));
    observed.markChanged(row("B", 3)); // older than the table's: not applied
    await timers.advance(MAX_DELAY_MS + 1000, observed);
    await observed.stop();
    expect(failed).toEqual([{ rows: 2, retryInMs: 100 }]);
    expect(written).toEqual([{ rows: 2, applied: 1 }]);
  });
});

describe("a row the table refuses", () => {
  test("one bad row never blocks the others: it is rejected alone and the rest of its batch is written", async () => {
    await store.exec("ALTER TABLE datalake.account ADD CONSTRAINT test_refuses_bad CHECK (account_id <> 'BAD')");
    try {
      const rejected: { accountId: string; sqlState: string }[] = [];
      const observed = new AccountSync({
        sql, minIntervalMs: MIN_INTERVAL_MS, maxDelayMs: MAX_DELAY_MS, timers,
        observer: { rowRejected: ({ row: bad, sqlState }) => rejected.push({ accountId: bad.accountId, sqlState }) },
      });
      for (let i = 0; i < 40; i++) observed.markChanged(row(`G${i}`, 1));
      observed.markChanged(row("BAD", 1));
      for (let i = 40; i < 80; i++) observed.markChanged(row(`G${i}`, 1));
      await timers.advance(MAX_DELAY_MS, observed);
      await observed.stop();
      expect(Object.keys(await versionsInTable()).sort()).toEqual(Array.from({ length: 80 }, (_, i) => `G${i}`).sort());
      expect(rejected).toEqual([{ accountId: "BAD", sqlState: "23514" }]);
      expect(observed.status()).toEqual({ pendingRows: 0, failuresInARow: 0, lastError: null });
    } finally {
      await store.exec("ALTER TABLE datalake.account DROP CONSTRAINT test_refuses_bad");
    }
  });
});

describe("refused rows", () => {
  test("a row the table already holds a newer state of is reported as refused, so it is visible", async () => {
    const refused: number[] = [];
    const observed = new AccountSync({ sql, minIntervalMs: MIN_INTERVAL_MS, maxDelayMs: MAX_DELAY_MS, timers, observer: { rowsRefused: (count) => refused.push(count) } });
    await upsertAccountRows(store, [row("B", 9)]);
    observed.markChanged(row("A", 1));
    observed.markChanged(row("B", 3));
    await timers.advance(MAX_DELAY_MS + 1000, observed);
    await observed.stop();
    expect(refused).toEqual([1]);
  });
});

describe("the copy read back (?source=db) on the embedded store", () => {
  test("amounts are decimal strings with the currency's digits, exact at the range's edge", async () => {
    await upsertAccountRows(store, [
      { accountId: "big", balanceMinor: 9_007_199_254_740_991, availableMinor: -9_007_199_254_740_991, currency: "USD", eodDate: "2026-11-21", version: 7, originMs: 0, updatedAtMs: Date.UTC(2026, 10, 22, 9, 30, 0, 120) },
      { accountId: "yen", balanceMinor: 1500, availableMinor: null, currency: "JPY", eodDate: "2026-01-01", version: 1, originMs: 0, updatedAtMs: 0 },
    ]);
    const copy = new PostgresAccountCopy(store);
    const body = async (accountId: string) => {
      const stored = await copy.read(accountId);
      if (!stored.ok) throw new Error(stored.error);
      return stored.row === null ? null : accountCopyBodyOf(stored.row);
    };
    expect(await body("big")).toEqual({
      accountId: "big", currency: "USD", currentBalance: "90071992547409.91", availableBalance: "-90071992547409.91",
      eodDate: "2026-11-21", version: 7, updatedAt: "2026-11-22T09:30:00.120Z", source: "db",
    });
    expect(await body("yen")).toMatchObject({ currentBalance: "1500", availableBalance: null, eodDate: "2026-01-01" });
    expect(await body("nobody")).toBeNull();
  });
});
