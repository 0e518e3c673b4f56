/**
 * history: `?asOf=` and a `/transactions` page against an event log of HISTORY_EVENTS events in
 * ClickHouse (the engine's readers, on `transaction_events`, ordered by account and time), each
 * beside the same query over a copy of the table without the ordering key (ORDER BY tuple()),
 * and the EOD report's rate in accounts/s over every account of the log, as CSV and as Parquet.
 *
 * The log is generated inside ClickHouse (INSERT ... SELECT FROM numbers), HISTORY_ACCOUNTS
 * accounts with an EOD and then transactions each, spread over about a day; the figures are
 * synthetic (the benchmark times reads, tests check answers).
 */
import { ClickHouseConnection } from "../src/adapters/clickhouse/connection.ts";
import { ClickHouseDayCloseReader } from "../src/adapters/clickhouse/dayCloseReader.ts";
import { migrateEventLog } from "../src/adapters/clickhouse/eventLogMigrations.ts";
import { eventsTableOf } from "../src/adapters/clickhouse/eventSchema.ts";
import { ClickHouseHistoryReader } from "../src/adapters/clickhouse/historyReader.ts";
import { quoteIdentifier } from "../src/adapters/clickhouse/sql.ts";
import { AccountCopyLister } from "../src/adapters/postgres/accountCopyLister.ts";
import { openPostgresClient } from "../src/adapters/postgres/postgresClient.ts";
import { csvReportSink } from "../src/apps/report/csvReport.ts";
import { writeEodReport, type EodReportSink } from "../src/apps/report/eodReport.ts";
import { parquetReportSink } from "../src/apps/report/parquetReport.ts";
import { alertThresholdsFor } from "../src/domain/account/highValueAlert.ts";
import type { Benchmark } from "./lib/benchResult.ts";
import { createBenchDatabase, ensureServices } from "./lib/benchServices.ts";
import { LatencyRecorder } from "./lib/latency.ts";

const EVENTS = Number(process.env.HISTORY_EVENTS ?? 10_000_000);
const ACCOUNTS = Number(process.env.HISTORY_ACCOUNTS ?? 100_000);
const SAMPLES = 200;
const BASE_MS = Date.UTC(2026, 10, 22);
const STEP_MS = Math.max(1, Math.floor(86_400_000 / EVENTS)); // about a day of events
const DAY = "2026-11-22";

/** Event `number`: account number % ACCOUNTS, its k-th event k = number / ACCOUNTS; k = 0 is its EOD of the day before. */
function generateSql(table: string): string {
  const first = `intDiv(number, ${ACCOUNTS}) = 0`;
  return `INSERT INTO ${table} (at_ms, seq, account_id, message_id, type, event_type, transaction_id, facility_id, amount_minor,
      currency, booking_date, as_of_date, message_epoch_s, message_nanos, outcome, reason, source_kind, source_topic, source_partition,
      source_offset, has_figures, version, origin_ms, updated_at_ms, eod_known, eod_balance_minor, eod_date, intraday_minor,
      facility_limit_known, facility_limit_minor, holds_minor, state_currency)
    SELECT ${BASE_MS} + number * ${STEP_MS}, number, concat('A', toString(number % ${ACCOUNTS})), concat('m', toString(number)),
      if(${first}, 'EOD_BALANCE', 'TRANSACTION'), if(${first}, '', 'TRANSACTION_CREATED'), if(${first}, '', concat('t', toString(number))),
      if(${first}, 'F1', ''), if(${first}, 100000, toInt64(number % 1000) - 500), 'USD', if(${first}, '', '${DAY}'),
      if(${first}, '2026-11-21', ''), intDiv(${BASE_MS} + number * ${STEP_MS}, 1000), 0, 'applied', '', 'kafka', 'bank.transactions',
      toInt32(number % 12), toInt64(number), 1, intDiv(number, ${ACCOUNTS}) + 1, 0, ${BASE_MS} + number * ${STEP_MS}, 1, 100000,
      '2026-11-21', toInt64(number % 1000), 1, 500000, 0, 'USD'
    FROM numbers(${EVENTS})`;
}

async function must<T>(result: Promise<{ ok: true; value: T } | { ok: false; failure: { message: string } }>): Promise<T> {
  const done = await result;
  if (!done.ok) throw new Error(done.failure.message);
  return done.value;
}

async function timed(recorder: LatencyRecorder, run: () => Promise<{ ok: boolean }>): Promise<void> {
  const started = performance.now();
  const result = await run();
  if (!result.ok) throw new Error("a history read failed");
  recorder.record(performance.now() - started);
}

/** asOf and page latencies of one table, over the same random accounts and instants. */
async function readLatencies(connection: ClickHouseConnection, database: string, table: string, picks: [string, number][]) {
  const reader = new ClickHouseHistoryReader({ connection, database, table });
  const asOf = new LatencyRecorder();
  const page = new LatencyRecorder();
  for (const [accountId, atMs] of picks) {
    await timed(asOf, () => reader.balanceAsOf(accountId, atMs));
    await timed(page, () => reader.transactions({ accountId, fromMs: BASE_MS - 86_400_000, toMs: BASE_MS + 2 * 86_400_000, limit: 100 }));
  }
  return { asOf: asOf.percentiles(), page: page.percentiles() };
}

interface ReportRates {
  readonly csvAccountsPerSecond: number;
  readonly parquetAccountsPerSecond: number;
  readonly parquetBytes: number;
  /** The Parquet footer's length: what the writer keeps for the whole file (row groups' metadata). */
  readonly parquetFooterBytes: number;
}

/** The report over the same Postgres copy and log, as CSV and then as Parquet (bytes counted, not kept). */
async function reportRates(connection: ClickHouseConnection, database: string): Promise<ReportRates> {
  const pg = createBenchDatabase("bench_history");
  const sql = await openPostgresClient(pg.url);
  try {
    await sql.query(`INSERT INTO datalake.account (account_id, account_balance, account_available, currency, eod_date, version, updated_at)
      SELECT 'A' || i, 100000, 600000, 'USD', '2026-11-22', 1, now() FROM generate_series(0, ${ACCOUNTS - 1}) AS i`);
    const rate = async (sink: EodReportSink) => {
      const started = performance.now();
      const result = await writeEodReport({
        accounts: new AccountCopyLister(sql), closes: new ClickHouseDayCloseReader(connection, database), date: DAY,
        thresholds: alertThresholdsFor("10000.00")!, sink,
      });
      if (!result.ok || result.summary.accounts !== ACCOUNTS) throw new Error(`the report failed: ${JSON.stringify(result)}`);
      return (ACCOUNTS / (performance.now() - started)) * 1000;
    };
    const csvAccountsPerSecond = await rate(csvReportSink(async () => {}));
    let parquetBytes = 0;
    let tail: Uint8Array = new Uint8Array(0);
    const parquetAccountsPerSecond = await rate(parquetReportSink(async (bytes) => {
      parquetBytes += bytes.length;
      tail = bytes.length >= 8 ? bytes : tail;
    }));
    // A Parquet file ends with its footer's length (4 bytes, little-endian) and "PAR1".
    const parquetFooterBytes = new DataView(tail.buffer, tail.byteOffset + tail.length - 8, 4).getUint32(0, true);
    return { csvAccountsPerSecond, parquetAccountsPerSecond, parquetBytes, parquetFooterBytes };
  } finally {
    await sql.close();
    pg.drop();
  }
}

export const benchmark: Benchmark = {
  name: "history",
  async run() {
    ensureServices("clickhouse", "postgres");
    const connection = new ClickHouseConnection({ url: "http://127.0.0.1:8123", requestTimeoutMs: 600_000 });
    const database = `bench_history_${Date.now().toString(36)}`;
    try {
      await must(migrateEventLog(connection, database));
      const generatedAt = performance.now();
      await must(connection.command(generateSql(eventsTableOf(database))));
      const generateSeconds = (performance.now() - generatedAt) / 1000;
      const unordered = "transaction_events_unordered";
      await must(connection.command(`CREATE TABLE ${eventsTableOf(database, unordered)} AS ${eventsTableOf(database)}
        ENGINE = MergeTree() PARTITION BY toYYYYMMDD(at) ORDER BY tuple()`));
      await must(connection.command(`INSERT INTO ${eventsTableOf(database, unordered)} SELECT * FROM ${eventsTableOf(database)}`));
      const picks: [string, number][] = Array.from({ length: SAMPLES }, () => [
        `A${Math.floor(Math.random() * ACCOUNTS)}`, BASE_MS + Math.floor(Math.random() * EVENTS * STEP_MS),
      ]);
      const ordered = await readLatencies(connection, database, "transaction_events", picks);
      const plain = await readLatencies(connection, database, unordered, picks);
      const report = await reportRates(connection, database);
      return {
        benchmark: "history",
        measures: `asOf and /transactions page latency over ${EVENTS.toLocaleString("en-US")} events of ${ACCOUNTS.toLocaleString("en-US")} accounts (ClickHouse 18.16, local); the EOD report's rate`,
        target: "per-account reads stay fast at scale: far below the same query without the ordering key",
        subject: {
          label: "transaction_events, ordered by (account_id, at_ms)", p50Ms: ordered.asOf.p50Ms, p99Ms: ordered.asOf.p99Ms,
          extra: { "page p50 ms": ordered.page.p50Ms, "page p99 ms": ordered.page.p99Ms, "report accounts/s": Math.round(report.csvAccountsPerSecond),
          "report as Parquet accounts/s": Math.round(report.parquetAccountsPerSecond) },
        },
        baseline: {
          label: "the same rows, ORDER BY tuple()", p50Ms: plain.asOf.p50Ms, p99Ms: plain.asOf.p99Ms,
          extra: { "page p50 ms": plain.page.p50Ms, "page p99 ms": plain.page.p99Ms },
        },
        ratio: plain.asOf.p50Ms / ordered.asOf.p50Ms,
        targetMet: ordered.asOf.p99Ms < plain.asOf.p50Ms && ordered.page.p99Ms < plain.page.p50Ms,
        notes: [
          `${SAMPLES} random (account, instant) pairs, each read by asOf and a 100-item first page, one at a time, on both tables`,
          `generating the log inside ClickHouse took ${generateSeconds.toFixed(0)} s; the report read ${ACCOUNTS.toLocaleString("en-US")} accounts from a Postgres copy, 1000 per chunk`,
          `the Parquet report: ${report.parquetBytes.toLocaleString("en-US")} bytes, of which the footer (kept in memory until the end) ${report.parquetFooterBytes.toLocaleString("en-US")} bytes for ${Math.ceil(ACCOUNTS / 1000)} row groups`,
          "ratio: baseline asOf p50 / subject asOf p50; ClickHouse, Postgres and the benchmark share the machine's 2 cores",
        ],
      };
    } finally {
      await connection.command(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
      await connection.close();
    }
  },
};
