/**
 * `bun run report eod --date YYYY-MM-DD [--format csv|parquet] [--out FILE]`: the EOD report as
 * CSV (to FILE or stdout) or Parquet (to FILE only: a binary file on a terminal helps nobody, and
 * its footer is written last); a progress bar and the summary on stderr. Exit codes: 0 written;
 * 2 bad arguments or configuration; 1 a store that does not open or an event log that stops answering.
 */
import { isCalendarDate } from "../../domain/calendar.ts";
import { alertThresholdsFor } from "../../domain/account/highValueAlert.ts";
import { loadConfig, type Config } from "../../config.ts";
import { roleArguments } from "../roleArguments.ts";
import { createLogger, type Logger } from "../../observability/log.ts";
import { openReportSources } from "./composeReport.ts";
import { csvReportSink } from "./csvReport.ts";
import { writeEodReport, type EodReportResult, type EodReportSink } from "./eodReport.ts";
import { parquetReportSink } from "./parquetReport.ts";
import { progressBar } from "./progressBar.ts";

export const REPORT_FORMATS = ["csv", "parquet"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportArgs {
  readonly date: string;
  /** "" writes to stdout (CSV only). */
  readonly out: string;
  readonly format: ReportFormat;
}

const USAGE = "bun run report eod --date YYYY-MM-DD [--format csv|parquet] [--out FILE]";
const FLAGS = ["--date", "--format", "--out"];

/** The arguments after `--role report`: `eod --date D [--format F] [--out FILE]`, or what is wrong with them. */
export function reportArgsOf(argv: readonly string[]): { ok: true; args: ReportArgs } | { ok: false; error: string } {
  const rest = roleArguments(argv);
  if (rest[0] !== "eod") return { ok: false, error: `report: the one report is "eod" (${USAGE}), not "${rest[0] ?? ""}"` };
  const values = new Map<string, string>();
  for (let i = 1; i < rest.length; i += 2) {
    const flag = rest[i]!;
    if (!FLAGS.includes(flag)) return { ok: false, error: `report: unknown argument ${flag} (known: ${FLAGS.join(", ")})` };
    values.set(flag, rest[i + 1] ?? "");
  }
  const date = values.get("--date") ?? "";
  if (!isCalendarDate(date)) return { ok: false, error: `--date: a calendar date YYYY-MM-DD is required, not "${date}"` };
  const out = values.get("--out") ?? "";
  // An explicit --format wins; otherwise a FILE ending in .parquet is Parquet, anything else CSV.
  const format = values.get("--format") ?? (out.toLowerCase().endsWith(".parquet") ? "parquet" : "csv");
  if (!REPORT_FORMATS.includes(format as ReportFormat)) return { ok: false, error: `--format: one of ${REPORT_FORMATS.join(", ")}, not "${format}"` };
  if (format === "parquet" && out === "") return { ok: false, error: "--out: Parquet is written to a file only (--out FILE); stdout takes CSV" };
  return { ok: true, args: { date, out, format: format as ReportFormat } };
}

/** Writes the report with this config; the caller owns the process (tests call it in-process). */
export async function runEodReport(config: Config, args: ReportArgs, log: Logger, stderr: { write(text: string): unknown; isTTY?: boolean } = process.stderr): Promise<EodReportResult | { ok: false; reason: "not_configured" | "store_unavailable"; error: string }> {
  const thresholds = alertThresholdsFor(config.ALERT_THRESHOLD);
  if (thresholds === null) throw new Error(`invariant: ALERT_THRESHOLD ${config.ALERT_THRESHOLD} passed loadConfig out of range`);
  if (args.format === "parquet" && args.out === "") throw new Error("invariant: Parquet to stdout passed reportArgsOf");
  const opened = await openReportSources(config, log);
  if (!opened.ok) return opened;
  const sink = args.out === "" ? null : Bun.file(args.out).writer();
  const write = async (data: string | Uint8Array) => {
    if (sink === null) {
      if (!process.stdout.write(data)) await new Promise((resolve) => process.stdout.once("drain", resolve));
      return;
    }
    sink.write(data);
    await sink.flush();
  };
  const report: EodReportSink = args.format === "parquet" ? parquetReportSink(write) : csvReportSink(write);
  const startedAtMs = Date.now();
  try {
    const result = await writeEodReport({
      accounts: opened.sources.accounts, closes: opened.sources.closes, date: args.date, thresholds, sink: report,
      progress: progressBar(stderr, startedAtMs),
    });
    if (result.ok) {
      const seconds = Math.max(0.001, (Date.now() - startedAtMs) / 1000);
      log.info("report_written", { ...result.summary, date: args.date, format: args.format, out: args.out || "stdout", accountsPerSecond: Math.round(result.summary.accounts / seconds) });
    }
    return result;
  } finally {
    await sink?.end();
    await opened.sources.close();
  }
}

export async function runReport(argv: readonly string[]): Promise<void> {
  const log = createLogger("info", (line) => process.stderr.write(`${line}\n`));
  const parsed = reportArgsOf(argv);
  const loaded = loadConfig(process.env);
  if (!parsed.ok || !loaded.ok) {
    log.error("invalid_config", { errors: [...(parsed.ok ? [] : [parsed.error]), ...(loaded.ok ? [] : loaded.errors)] });
    process.exit(2);
  }
  const result = await runEodReport(loaded.config, parsed.args, log);
  if (result.ok) process.exit(0);
  const error = "error" in result ? result.error : "the event log stopped answering; the report ends after the last full chunk";
  log.error(result.reason === "not_configured" ? "invalid_config" : "report_failed", { reason: result.reason, error });
  process.exit(result.reason === "not_configured" ? 2 : 1);
}
