/**
 * The Postgres copy against a real PostgreSQL server (started by scripts/services-up.sh): each
 * test file run gets its own databases, created here and dropped after. Intervals are in
 * milliseconds so that the rules of contract section 5 show within a test; bounds on waiting
 * are generous ceilings, not speed checks.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pg from "pg";
import type { AccountRow } from "../../src/runtime/ports.ts";
import { AccountSync } from "../../src/adapters/postgres/accountSync.ts";
import { SYNC_BATCH_ROWS_MAX } from "../../src/adapters/postgres/accountSyncSchedule.ts";
import { upsertAccountRows } from "../../src/adapters/postgres/accountSyncWriter.ts";
import { PostgresAccountCopy } from "../../src/adapters/postgres/accountCopyReader.ts";
import { openPostgresClient, type PostgresClient } from "../../src/adapters/postgres/postgresClient.ts";
import { SqlFacilityStore } from "../../src/adapters/postgres/facilityStore.ts";
import type { SqlQuery } from "../../src/adapters/postgres/sqlClient.ts";
import { accountCopyBodyOf, type AccountCopyBody } from "../../src/http/accountCopyBody.ts";
import { ensureServices, eventually } from "../support/services.ts";

const SERVER_URL = "postgres://postgres@127.0.0.1:5432";
const MIN_INTERVAL_MS = 200;
const MAX_DELAY_MS = 300;
const RUN_ID = `${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;

let admin: pg.Client;
const databases: string[] = [];
const clients: PostgresClient[] = [];

/** A fresh database for one scenario; dropped in afterAll. */
async function createDatabase(label: string): Promise<string> {
  const name = `balance_test_${label}_${RUN_ID}`;
  await admin.query(`CREATE DATABASE ${name}`);
  databases.push(name);
  return name;
}

async function open(database: string, options: Parameters<typeof openPostgresClient>[1] = {}): Promise<PostgresClient> {
  const client = await openPostgresClient(`${SERVER_URL}/${database}`, { onConnectionError: () => {}, ...options });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  ensureServices("postgres");
  admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
}, 300_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin?.end();
});

function row(accountId: string, version: number, overrides: Partial<AccountRow> = {}): AccountRow {
  return {
    accountId, balanceMinor: version * 100, availableMinor: version * 100 + 500_000, currency: "USD",
    eodDate: "2026-11-21", version, originMs: 0, updatedAtMs: Date.UTC(2026, 10, 22, 9, 30) + version, ...overrides,
  };
}

async function versionsIn(sql: SqlQuery): Promise<Map<string, number>> {
  const { rows } = await sql.query<{ account_id: string; version: string }>("SELECT account_id, version FROM datalake.account");
  return new Map(rows.map((r) => [r.account_id, Number(r.version)]));
}

/** The `?source=db` body of an account's row, as the route answers it. */
async function readCopy(sql: SqlQuery, accountId: string): Promise<AccountCopyBody | null> {
  const stored = await new PostgresAccountCopy(sql).read(accountId);
  if (!stored.ok) throw new Error(stored.error);
  return stored.row === null ? null : accountCopyBodyOf(stored.row);
}

/**
 * Records every statement sent: when, which accounts and versions it carried, and its place in
 * one sequence shared with the changes the test makes (`mark`), so that "the latest change
 * before this write" has an exact answer whatever the timing.
 */
function recording(target: SqlQuery) {
  let sequence = 0;
  const statements: { atMs: number; seq: number; accountIds: string[]; versions: number[] }[] = [];
  const marks: { seq: number; accountId: string; version: number }[] = [];
  const sql: SqlQuery = {
    query: (text, params) => {
      statements.push({
        atMs: Date.now(), seq: ++sequence,
        accountIds: [...((params?.[0] as string[]) ?? [])], versions: ((params?.[5] as string[]) ?? []).map(Number),
      });
      return target.query(text, params);
    },
    exec: (text) => target.exec(text),
  };
  const mark = (accountId: string, version: number) => marks.push({ seq: ++sequence, accountId, version });
  return { sql, statements, marks, mark };
}

describe("the Postgres client", () => {
  test("several engine processes may create the tables at once", async () => {
    const database = await createDatabase("migrate");
    const opened = await Promise.all([open(database), open(database), open(database)]);
    const { rows } = await opened[0]!.query<{ table_name: string }>(
      "SELECT table_schema || '.' || table_name AS table_name FROM information_schema.tables WHERE table_schema IN ('datalake', 'datasource') ORDER BY 1");
    expect(rows.map((r) => r.table_name)).toEqual(["datalake.account", "datasource.facility"]);
  }, 60_000);

  test("BIGINT amounts come back exact at ±(2^53 − 1)", async () => {
    const sql = await open(await createDatabase("int8"));
    const facilities = new SqlFacilityStore(sql);
    await facilities.upsert({ facilityId: "F", limitMinor: Number.MAX_SAFE_INTEGER, currency: "USD" });
    expect(await facilities.get("F")).toEqual({ facilityId: "F", limitMinor: Number.MAX_SAFE_INTEGER, currency: "USD" });
    await upsertAccountRows(sql, [row("edge", 1, { balanceMinor: -Number.MAX_SAFE_INTEGER, availableMinor: Number.MAX_SAFE_INTEGER })]);
    expect(await readCopy(sql, "edge")).toMatchObject({
      currentBalance: "-90071992547409.91", availableBalance: "90071992547409.91",
    });
  }, 60_000);
});

describe("the copy read back (?source=db)", () => {
  test("is the row as the contract's balance body, with source db", async () => {
    const sql = await open(await createDatabase("copy"));
    await upsertAccountRows(sql, [
      row("123", 4, { balanceMinor: 115_000, availableMinor: 615_000, updatedAtMs: Date.UTC(2026, 10, 22, 9, 30, 0, 120) }),
      row("no-facility", 1, { availableMinor: null, currency: "JPY", balanceMinor: 1500, eodDate: "2026-01-01" }),
    ]);
    expect(await readCopy(sql, "123")).toEqual({
      accountId: "123", currency: "USD", currentBalance: "1150.00", availableBalance: "6150.00",
      eodDate: "2026-11-21", version: 4, updatedAt: "2026-11-22T09:30:00.120Z", source: "db",
    });
    expect(await readCopy(sql, "no-facility")).toMatchObject({ currency: "JPY", currentBalance: "1500", availableBalance: null, eodDate: "2026-01-01" });
    expect(await readCopy(sql, "unknown")).toBeNull();
  }, 60_000);

  test("the EOD date is the stored calendar day whatever the process's time zone", async () => {
    const sql = await open(await createDatabase("tz"));
    await upsertAccountRows(sql, [row("A", 1, { eodDate: "2026-11-21" })]);
    const zone = process.env.TZ;
    try {
      for (const tz of ["Pacific/Kiritimati", "America/Los_Angeles"]) {
        process.env.TZ = tz;
        expect(await readCopy(sql, "A")).toMatchObject({ eodDate: "2026-11-21" });
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  }, 60_000);
});

describe("propagation of changes to datalake.account", () => {
  test("every changed account reaches its latest version; batches of at most 1000 rows; no account written twice within SYNC_MIN_INTERVAL_MS; each write carries the account's latest change", async () => {
    const sql = await open(await createDatabase("sync"));
    const recorder = recording(sql);
    const sync = new AccountSync({ sql: recorder.sql, minIntervalMs: MIN_INTERVAL_MS, maxDelayMs: MAX_DELAY_MS });
    const accounts = 3000;
    const latest = new Map<string, number>();
    // 25 rounds about 40 ms apart (spread over time, not waited on): every account changes in the
    // first round, a hot tenth in all of them. How many of those changes share a write depends on
    // the machine's speed, so nothing below counts on it.
    for (let round = 1; round <= 25; round++) {
      for (let i = 0; i < accounts; i++) {
        if (round > 1 && i % 10 !== 0) continue;
        const accountId = `ACC-${i}`;
        const version = (latest.get(accountId) ?? 0) + 1;
        latest.set(accountId, version);
        recorder.mark(accountId, version);
        sync.markChanged(row(accountId, version));
      }
      await Bun.sleep(40);
    }
    await eventually(async () => {
      const stored = await versionsIn(sql);
      return [...latest].every(([accountId, version]) => stored.get(accountId) === version);
    }, 30_000, "every account at its latest version");
    await sync.stop();

    expect(sync.status()).toEqual({ pendingRows: 0, failuresInARow: 0, lastError: null });
    // The first round's 3000 changes, made at once, leave in full batches: 3 statements of 1000.
    expect(recorder.statements.slice(0, 3).map((statement) => statement.accountIds.length)).toEqual([1000, 1000, 1000]);
    expect(new Set(recorder.statements.slice(0, 3).flatMap((statement) => statement.accountIds)).size).toBe(accounts);
    const writes = new Map<string, { atMs: number; seq: number; version: number }[]>();
    for (const statement of recorder.statements) {
      expect(statement.accountIds.length).toBeLessThanOrEqual(SYNC_BATCH_ROWS_MAX);
      expect(new Set(statement.accountIds).size).toBe(statement.accountIds.length);
      statement.accountIds.forEach((accountId, i) => {
        writes.set(accountId, [...(writes.get(accountId) ?? []), { atMs: statement.atMs, seq: statement.seq, version: statement.versions[i]! }]);
      });
    }
    // The interval is a lower bound the sync enforces itself (the cooling counts from after the
    // send), so it holds on a loaded machine too.
    for (const times of writes.values()) {
      for (let i = 1; i < times.length; i++) expect(times[i]!.atMs - times[i - 1]!.atMs).toBeGreaterThanOrEqual(MIN_INTERVAL_MS);
    }
    // Coalescing: a write carries the latest change made before it; the ones in between are skipped.
    const marksOf = Map.groupBy(recorder.marks, (m) => m.accountId);
    for (const [accountId, accountWrites] of writes) {
      for (const write of accountWrites) {
        const latestBefore = marksOf.get(accountId)!.findLast((m) => m.seq < write.seq)!.version;
        expect({ accountId, version: write.version }).toEqual({ accountId, version: latestBefore });
      }
    }
  }, 60_000);

  test("nothing is lost while Postgres refuses connections: the rows converge once it is back", async () => {
    const database = await createDatabase("outage");
    const sql = await open(database, { connectTimeoutMs: 1000, statementTimeoutMs: 2000 });
    let failures = 0;
    const sync = new AccountSync({
      sql, minIntervalMs: 50, maxDelayMs: 100, observer: { batchFailed: () => { failures += 1; } },
    });
    const latest = new Map<string, number>();
    const change = (accountId: string) => {
      const version = (latest.get(accountId) ?? 0) + 1;
      latest.set(accountId, version);
      sync.markChanged(row(accountId, version));
    };
    const converged = async () => {
      const stored = await versionsIn(sql);
      return [...latest].every(([accountId, version]) => stored.get(accountId) === version);
    };
    for (let i = 0; i < 50; i++) change(`ACC-${i}`);
    await eventually(converged, 30_000, "the first rows");

    // The outage: no new connections to the database, and its open ones cut.
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [database]);
    try {
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 70; i++) change(`ACC-${i}`); // 20 new accounts, 50 newer versions
        await Bun.sleep(100);
      }
      await eventually(() => failures >= 3, 30_000, "writes failing during the outage");
      expect(sync.status().pendingRows).toBe(70);
      expect(sync.status().lastError).not.toBeNull();
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    }

    await eventually(converged, 60_000, "every account at its latest version after the outage");
    await sync.stop();
    expect(sync.status()).toEqual({ pendingRows: 0, failuresInARow: 0, lastError: null });
  }, 120_000);

  test("a row of a later origin replaces the stored one whatever its version: a restart that starts versions again is not stale", async () => {
    const sql = await open(await createDatabase("origin"));
    await upsertAccountRows(sql, [row("A", 3, { originMs: 1_000, balanceMinor: 1200 })]);
    expect(await upsertAccountRows(sql, [row("A", 1, { originMs: 2_000, balanceMinor: 50_000 })])).toEqual({ applied: 1, refused: 0 });
    expect(await readCopy(sql, "A")).toMatchObject({ version: 1, currentBalance: "500.00" });
  }, 60_000);

  test("a write older than the stored state is refused and counted, an equal one is neither", async () => {
    const sql = await open(await createDatabase("refused"));
    await upsertAccountRows(sql, [row("A", 1, { originMs: 2_000 }), row("B", 5)]);
    const counts = await upsertAccountRows(sql, [row("A", 9, { originMs: 1_000 }), row("B", 5), row("C", 1)]);
    expect(counts).toEqual({ applied: 1, refused: 1 });
    expect(await readCopy(sql, "A")).toMatchObject({ version: 1 });
  }, 60_000);

  test("one row the Postgres server refuses never blocks the others: it is rejected alone, the rest written", async () => {
    const database = await createDatabase("badrow");
    const sql = await open(database, { connectTimeoutMs: 1000, statementTimeoutMs: 2000 });
    await sql.query("ALTER TABLE datalake.account ADD CONSTRAINT test_refuses_bad CHECK (account_id <> 'BAD')");
    const rejected: string[] = [];
    const sync = new AccountSync({ sql, minIntervalMs: 50, maxDelayMs: 100, observer: { rowRejected: ({ sqlState }) => rejected.push(sqlState) } });
    for (let i = 0; i < 500; i++) sync.markChanged(row(i === 250 ? "BAD" : `ACC-${i}`, 1));
    await eventually(async () => (await versionsIn(sql)).size === 499, 30_000, "every good row");
    expect(rejected).toEqual(["23514"]);
    expect(sync.status()).toEqual({ pendingRows: 0, failuresInARow: 0, lastError: null });
    await sync.stop();
  }, 60_000);

  test("a zombie instance cannot put an older version over a newer one", async () => {
    const sql = await open(await createDatabase("zombie"));
    const owner = new AccountSync({ sql, minIntervalMs: 0, maxDelayMs: 100 });
    const zombie = new AccountSync({ sql, minIntervalMs: 0, maxDelayMs: 100 });
    owner.markChanged(row("A", 9, { balanceMinor: 900 }));
    await owner.flush();
    zombie.markChanged(row("A", 8, { balanceMinor: 800 })); // its state is behind the new owner's
    await zombie.flush();
    expect(await readCopy(sql, "A")).toMatchObject({ version: 9, currentBalance: "9.00" });
    await owner.stop();
    await zombie.stop();
  }, 60_000);
});
