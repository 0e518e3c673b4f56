/**
 * The report command's arguments: CSV by default, Parquet by --format or by an --out ending in
 * .parquet, and Parquet only to a file (the command refuses stdout, exit 2, saying why).
 */
import { expect, test } from "bun:test";
import { resolve } from "node:path";
import { reportArgsOf } from "../../src/apps/report/main.ts";

const ROOT = resolve(import.meta.dir, "../..");
const eod = (...flags: string[]) => reportArgsOf(["--role", "report", "eod", "--date", "2026-11-22", ...flags]);

test("the report is CSV unless Parquet is asked for", () => {
  expect(eod()).toEqual({ ok: true, args: { date: "2026-11-22", out: "", format: "csv" } });
  expect(eod("--out", "eod.csv")).toEqual({ ok: true, args: { date: "2026-11-22", out: "eod.csv", format: "csv" } });
});

test("--format parquet, or an --out ending in .parquet, selects Parquet; an explicit --format wins", () => {
  expect(eod("--format", "parquet", "--out", "eod.bin")).toEqual({ ok: true, args: { date: "2026-11-22", out: "eod.bin", format: "parquet" } });
  expect(eod("--out", "eod.PARQUET")).toEqual({ ok: true, args: { date: "2026-11-22", out: "eod.PARQUET", format: "parquet" } });
  expect(eod("--format", "csv", "--out", "eod.parquet")).toEqual({ ok: true, args: { date: "2026-11-22", out: "eod.parquet", format: "csv" } });
});

test("a format other than csv or parquet is refused, naming both", () => {
  expect(eod("--format", "xlsx")).toEqual({ ok: false, error: '--format: one of csv, parquet, not "xlsx"' });
});

test("--format parquet without --out is refused with exit 2 and the reason, before any store is opened", async () => {
  // DATABASE_URL points nowhere: the refusal must come before the report tries to open it.
  const report = Bun.spawn(["bun", "run", "report", "eod", "--date", "2026-11-22", "--format", "parquet"], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", CLICKHOUSE_URL: "http://127.0.0.1:1" }, stdout: "pipe", stderr: "pipe",
  });
  expect(await report.exited).toBe(2);
  expect(await new Response(report.stdout).text()).toBe("");
  const lines = (await new Response(report.stderr).text()).trim().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: "error", event: "invalid_config", errors: ["--out: Parquet is written to a file only (--out FILE); stdout takes CSV"] });
});
