/**
 * The EOD report of a simulated day (10,000 accounts) against the real ClickHouse and Postgres:
 * it matches the engine's own figures and marks exactly the mismatches injected into the core
 * system's EODs, and lists the day's high-value transactions. It reads only the event log and the
 * Postgres copy: the engine's memory is never asked. The same day as Parquet: the same rows, read
 * back with a Parquet reader (hyparquet), one row group per chunk of accounts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/observability/log.ts";
import { runEodReport, type ReportFormat } from "../../src/apps/report/main.ts";
import { REPORT_CHUNK_ACCOUNTS } from "../../src/apps/report/eodReport.ts";
import { csvReportRows, parquetReportMetadata, parquetReportRows } from "../support/reportFiles.ts";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { CLICKHOUSE_URL, dropTestDatabase, openTestConnection, selectRows, testDatabaseName } from "../support/clickhouse.ts";
import { eventsTableOf } from "../../src/adapters/clickhouse/eventSchema.ts";
import { ensureServices } from "../support/services.ts";
import { eventually } from "../history/historyRules.ts";

const ACCOUNTS = 10_000;
const DAY = "2026-11-22";
const SERVER_URL = "postgres://postgres@127.0.0.1:5432";
const pgDatabase = `balance_test_report_${Date.now().toString(36)}`;
const chDatabase = testDatabaseName();
const connection = openTestConnection();
const dir = mkdtempSync(join(tmpdir(), "eod-report-"));
let admin: pg.Client;
let engine: EngineUnderTest;
const env = () => ({
  CLICKHOUSE_URL, CLICKHOUSE_DATABASE: chDatabase, DATABASE_URL: `${SERVER_URL}/${pgDatabase}`,
  SYNC_MIN_INTERVAL_MS: "10", SYNC_MAX_DELAY_MS: "50", EVENT_LOG_FLUSH_MS: "50",
});

beforeAll(async () => {
  ensureServices("postgres");
  admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pgDatabase}`);
  engine = await startEngineUnderTest(env());
}, 300_000);

afterAll(async () => {
  await engine?.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
  await admin.end();
  await dropTestDatabase(connection, chDatabase);
  rmSync(dir, { recursive: true, force: true });
});

const idOf = (i: number) => `rep-${String(i).padStart(5, "0")}`;
const cents = (minor: number) => `${minor < 0 ? "-" : ""}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, "0")}`;

async function post(messages: Record<string, unknown>[]): Promise<void> {
  for (let at = 0; at < messages.length; at += 10_000) {
    const response = await engine.post("/v1/events", messages.slice(at, at + 10_000));
    expect(response.status).toBe(200);
  }
}

test("the report of a simulated day matches the engine's figures and marks the injected mismatches", async () => {
  expect((await engine.put("/v1/admin/facilities/rep-fac", { limit: "100.00", currency: "USD" })).status).toBe(200);
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => idOf(i));
  await post(ids.map((accountId, i) => eod({ accountId, facilityId: "rep-fac", balance: cents(10_000 + i), asOfDate: "2026-11-21" })));
  const highValue = new Set<string>();
  await post(ids.flatMap((accountId, i) => {
    const day = [txn({ accountId, amount: cents((i % 97) * 13 - 400), bookingDate: DAY })];
    if (i % 3 === 0) day.push(txn({ accountId, amount: cents(250), bookingDate: DAY, eventType: "TRANSACTION_REMOVED" }));
    if (i % 1000 === 7) {
      const big = txn({ accountId, amount: "12000.00", bookingDate: DAY });
      highValue.add(big.transactionId as string);
      day.push(big);
    }
    return day;
  }));
  // The engine's figures before the core's EODs of the day arrive: with nothing booked later, its close of the day.
  const engineClose = new Map<string, string>();
  for (const accountId of ids) engineClose.set(accountId, (await bodyOf(await engine.get(`/v1/accounts/${accountId}/balance`))).currentBalance);
  const injected = new Set(ids.filter((_, i) => i % 271 === 5));
  await post(ids.map((accountId) => {
    const close = Number(engineClose.get(accountId)!.replace(".", ""));
    return eod({ accountId, facilityId: "rep-fac", balance: cents(injected.has(accountId) ? close + 123 : close), asOfDate: DAY, timestamp: "2026-11-23T00:05:00Z" });
  }));

  const copy = new pg.Client({ connectionString: `${SERVER_URL}/${pgDatabase}` });
  await copy.connect();
  await eventually(async () => Number((await copy.query("SELECT count(*) AS n FROM datalake.account WHERE eod_date = $1", [DAY])).rows[0].n), (n) => n === ACCOUNTS, "the Postgres copy", 60_000);
  await copy.end();
  await eventually(async () => (await selectRows<{ n: string }>(connection,
    `SELECT toString(count()) AS n FROM ${eventsTableOf(chDatabase)} WHERE type = 'EOD_BALANCE' AND as_of_date = '${DAY}' AND outcome = 'applied'`))[0]!.n,
  (n) => n === String(ACCOUNTS), "the event log", 60_000);

  const progress: string[] = [];
  const result = await report("csv", "report.csv", { write: (text: string) => progress.push(text) });
  expect(result).toEqual({ ok: true, summary: { accounts: ACCOUNTS, mismatches: injected.size, highValue: highValue.size } });
  expect(progress.at(-1)).toContain(`${ACCOUNTS}/${ACCOUNTS} accounts`);

  const lines = csvReportRows(join(dir, "report.csv"));
  expect(lines[0]).toEqual(["record", "accountId", "currency", "date", "engineClose", "coreEod", "difference", "status", "messageId", "transactionId", "amount", "appliedAt"]);
  const accounts = lines.filter((line) => line[0] === "account");
  expect(accounts.map((line) => line[1])).toEqual(ids);
  for (const [, accountId, currency, date, close, core, difference, status] of accounts) {
    expect({ accountId, currency, date, close }).toEqual({ accountId: accountId!, currency: "USD", date: DAY, close: engineClose.get(accountId!)! });
    const expected = injected.has(accountId!) ? { status: "mismatch", difference: "1.23" } : { status: "match", difference: "0.00" };
    expect({ accountId, status, difference }).toEqual({ accountId, ...expected });
    expect(Number(core!.replace(".", "")) - Number(close!.replace(".", ""))).toBe(injected.has(accountId!) ? 123 : 0);
  }
  const high = lines.filter((line) => line[0] === "high_value");
  expect(new Set(high.map((line) => line[9]))).toEqual(highValue);
  for (const line of high) expect(line[10]).toBe("12000.00");
  // The engine's own comparison at each EOD agrees with the report.
  const metrics = await (await engine.get("/metrics")).text();
  expect(metrics).toContain(`balance_engine_eod_mismatch_total ${injected.size}`);
}, 300_000);

/** The report of DAY (loaded by the first test) in a format, to a file of dir. */
async function report(format: ReportFormat, file: string, stderr: { write(text: string): unknown } = { write: () => true }) {
  const loaded = loadConfig(env());
  if (!loaded.ok) throw new Error(loaded.errors.join("; "));
  return runEodReport(loaded.config, { date: DAY, out: join(dir, file), format }, createLogger("error", () => {}), stderr);
}

test("the Parquet report, read back with a Parquet reader, equals the CSV report of the same day row for row", async () => {
  expect((await report("csv", "same-day.csv")).ok).toBe(true);
  expect((await report("parquet", "same-day.parquet")).ok).toBe(true);
  const [header, ...csv] = csvReportRows(join(dir, "same-day.csv"));
  expect(csv.filter((row) => row[0] === "account")).toHaveLength(ACCOUNTS);
  expect(parquetReportMetadata(join(dir, "same-day.parquet")).schema.slice(1).map((element) => element.name)).toEqual(header!);
  expect(await parquetReportRows(join(dir, "same-day.parquet"))).toEqual(csv);
}, 300_000);

test("a Parquet report of more than one chunk of accounts has one row group per chunk", async () => {
  expect((await report("csv", "groups.csv")).ok).toBe(true);
  expect((await report("parquet", "groups.parquet")).ok).toBe(true);
  // A chunk's rows: its accounts, then their high-value transactions; so a group starts at every REPORT_CHUNK_ACCOUNTS-th account.
  const expected: number[] = [];
  let accountsSeen = 0;
  for (const [record] of csvReportRows(join(dir, "groups.csv")).slice(1)) {
    if (record === "account" && accountsSeen++ % REPORT_CHUNK_ACCOUNTS === 0) expected.push(0);
    expected[expected.length - 1]! += 1;
  }
  const groups = parquetReportMetadata(join(dir, "groups.parquet")).row_groups.map((group) => Number(group.num_rows));
  expect(groups).toHaveLength(ACCOUNTS / REPORT_CHUNK_ACCOUNTS);
  expect(groups).toEqual(expected);
}, 300_000);

test("the Parquet report's columns are typed: UTF-8 strings (amounts as decimal strings), date a DATE, appliedAt a UTC TIMESTAMP in ms", async () => {
  expect((await report("parquet", "types.parquet")).ok).toBe(true);
  const columns = parquetReportMetadata(join(dir, "types.parquet")).schema.slice(1)
    .map((element): unknown[] => [element.name, element.type, element.logical_type, element.repetition_type]);
  const utf8 = (name: string, repetition: string): unknown[] => [name, "BYTE_ARRAY", { type: "STRING" }, repetition];
  expect(columns).toEqual([
    utf8("record", "REQUIRED"), utf8("accountId", "REQUIRED"), utf8("currency", "REQUIRED"),
    ["date", "INT32", { type: "DATE" }, "REQUIRED"],
    ...["engineClose", "coreEod", "difference", "status", "messageId", "transactionId", "amount"].map((name) => utf8(name, "OPTIONAL")),
    ["appliedAt", "INT64", { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" }, "OPTIONAL"],
  ]);
}, 300_000);
