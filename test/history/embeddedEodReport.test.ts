/**
 * The EOD report from an embedded engine's store (PGLITE_DIR), read after that engine stopped:
 * the same rule as against ClickHouse and Postgres (test/clickhouse/eodReport.test.ts), smaller;
 * and its Parquet report, the same rows.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/observability/log.ts";
import { runEodReport } from "../../src/apps/report/main.ts";
import { bodyOf, eod, startEngineUnderTest, txn } from "../support/engineUnderTest.ts";
import { csvReportRows, parquetReportRows } from "../support/reportFiles.ts";

const dir = mkdtempSync(join(tmpdir(), "eod-report-embedded-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the report from a stopped embedded engine's store matches its figures and marks the injected mismatches", async () => {
  const env = { PGLITE_DIR: join(dir, "store"), SYNC_MIN_INTERVAL_MS: "10", SYNC_MAX_DELAY_MS: "20", EVENT_LOG_FLUSH_MS: "20" };
  const engine = await startEngineUnderTest(env);
  const ids = Array.from({ length: 300 }, (_, i) => `emb-${String(i).padStart(3, "0")}`);
  expect((await engine.post("/v1/events", [
    ...ids.map((accountId, i) => eod({ accountId, balance: `${100 + i}.00`, asOfDate: "2026-11-21" })),
    ...ids.map((accountId, i) => txn({ accountId, amount: `${i % 7}.50`, bookingDate: "2026-11-22" })),
  ])).status).toBe(200);
  const close = new Map<string, string>();
  for (const accountId of ids) close.set(accountId, (await bodyOf(await engine.get(`/v1/accounts/${accountId}/balance`))).currentBalance);
  const injected = new Set(ids.filter((_, i) => i % 50 === 3));
  await engine.post("/v1/events", ids.map((accountId) => eod({
    accountId, asOfDate: "2026-11-22", timestamp: "2026-11-23T00:05:00Z",
    balance: injected.has(accountId) ? "0.01" : close.get(accountId)!,
  })));
  await Bun.sleep(300); // past SYNC_MAX_DELAY_MS and EVENT_LOG_FLUSH_MS; the stop flushes both anyway
  await engine.stop();

  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.errors.join("; "));
  const out = join(dir, "report.csv");
  const result = await runEodReport(loaded.config, { date: "2026-11-22", out, format: "csv" }, createLogger("error", () => {}), { write: () => true });
  expect(result).toEqual({ ok: true, summary: { accounts: ids.length, mismatches: injected.size, highValue: 0 } });
  const rows = csvReportRows(out).slice(1);
  expect(rows.map((row) => [row[1], row[4], row[7]])).toEqual(ids.map((id) => [id, close.get(id)!, injected.has(id) ? "mismatch" : "match"]));

  const parquet = await runEodReport(loaded.config, { date: "2026-11-22", out: join(dir, "report.parquet"), format: "parquet" }, createLogger("error", () => {}), { write: () => true });
  expect(parquet).toEqual(result);
  expect(await parquetReportRows(join(dir, "report.parquet"))).toEqual(rows);
}, 120_000);
