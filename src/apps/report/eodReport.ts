/**
 * The EOD report (the batch path): for every account of the Postgres copy, the engine's close of
 * day D and the core system's EOD of D from the event log, their difference, and the day's
 * high-value transactions, as one table of rows. Streamed a chunk of accounts at a time to a sink
 * (CSV or Parquet), so memory stays bounded by REPORT_CHUNK_ACCOUNTS whatever the number of
 * accounts; never the engine's memory.
 */
import { dayCloseOf, type DayCloseStatus } from "../../domain/account/dayClose.ts";
import type { AlertThresholds } from "../../domain/account/highValueAlert.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { formatAmount } from "../../domain/money.ts";
import type { AccountLister, CopiedAccount, DayCloseParts, DayCloseReader, HighValueItem } from "../../runtime/ports.ts";

/** Accounts read and written per step: one query each for their closes and high-value items. */
export const REPORT_CHUNK_ACCOUNTS = 1000;

export const EOD_REPORT_COLUMNS = [
  "record", "accountId", "currency", "date", "engineClose", "coreEod", "difference", "status", "messageId", "transactionId", "amount", "appliedAt",
] as const;

/**
 * One row of the report, in the order of EOD_REPORT_COLUMNS. Amounts are decimal strings, as on
 * the wire; null where the row has no such field (an empty CSV field).
 */
export interface EodReportRow {
  readonly record: "account" | "high_value";
  readonly accountId: string;
  readonly currency: string;
  /** YYYY-MM-DD, the report's day. */
  readonly date: string;
  readonly engineClose: string | null;
  readonly coreEod: string | null;
  readonly difference: string | null;
  readonly status: DayCloseStatus | null;
  readonly messageId: string | null;
  readonly transactionId: string | null;
  readonly amount: string | null;
  /** ISO 8601 UTC, in milliseconds. */
  readonly appliedAt: string | null;
}

/** Where the rows go, in a format. Each call resolves once written (backpressure: the next chunk waits). */
export interface EodReportSink {
  begin(): Promise<void>;
  writeChunk(rows: readonly EodReportRow[]): Promise<void>;
  /** Also after a failure: the report then ends after the last full chunk. */
  end(): Promise<void>;
}

export interface EodReportOptions {
  readonly accounts: AccountLister;
  readonly closes: DayCloseReader;
  readonly date: string;
  readonly thresholds: AlertThresholds;
  readonly sink: EodReportSink;
  readonly progress?: (accountsDone: number, accountsTotal: number) => void;
  readonly chunkAccounts?: number;
}

export interface EodReportSummary {
  readonly accounts: number;
  readonly mismatches: number;
  readonly highValue: number;
}

export type EodReportResult = { readonly ok: true; readonly summary: EodReportSummary } | { readonly ok: false; readonly reason: "event_log_unavailable" };

export async function writeEodReport(options: EodReportOptions): Promise<EodReportResult> {
  const chunk = options.chunkAccounts ?? REPORT_CHUNK_ACCOUNTS;
  const total = await options.accounts.count();
  const amountMinorMin = Math.min(...Object.values(options.thresholds));
  const summary = { accounts: 0, mismatches: 0, highValue: 0 };
  await options.sink.begin();
  try {
    let after = "";
    for (;;) {
      const accounts = await options.accounts.page(after, chunk);
      if (accounts.length === 0) break;
      const ids = accounts.map((account) => account.accountId);
      const [closes, highValue] = await Promise.all([
        options.closes.closesOf(ids, options.date),
        options.closes.highValueOf(ids, options.date, amountMinorMin),
      ]);
      if (!closes.ok || !highValue.ok) return { ok: false, reason: "event_log_unavailable" };
      const rows = closes.value.map((parts, index) => accountRow(accounts[index]!, parts, options.date));
      summary.mismatches += rows.filter((row) => row.status === "mismatch").length;
      const currencyOf = new Map(accounts.map((account) => [account.accountId, account.currency]));
      for (const item of highValue.value) {
        if (Math.abs(item.amountMinor) < (options.thresholds[item.currency] ?? Infinity)) continue;
        rows.push(highValueRow(item, currencyOf.get(item.accountId) ?? item.currency, options.date));
        summary.highValue += 1;
      }
      await options.sink.writeChunk(rows);
      summary.accounts += accounts.length;
      options.progress?.(summary.accounts, Math.max(total, summary.accounts));
      after = accounts.at(-1)!.accountId;
    }
    return { ok: true, summary };
  } finally {
    await options.sink.end();
  }
}

function accountRow(account: CopiedAccount, parts: DayCloseParts, date: string): EodReportRow {
  const close = dayCloseOf({ baseEod: parts.baseEod, dayTotals: parts.dayTotals, coreEodMinor: parts.coreEod?.balanceMinor ?? null }, date);
  const digits = digitsOf(account.currency);
  const amount = (minor: number | null) => (minor === null ? null : formatAmount(minor, digits));
  return {
    record: "account", accountId: account.accountId, currency: account.currency, date,
    engineClose: amount(close.engineCloseMinor), coreEod: amount(close.coreEodMinor), difference: amount(close.differenceMinor),
    status: close.status, messageId: parts.coreEod?.messageId ?? null, transactionId: null, amount: null, appliedAt: null,
  };
}

function highValueRow(item: HighValueItem, currency: string, date: string): EodReportRow {
  return {
    record: "high_value", accountId: item.accountId, currency, date, engineClose: null, coreEod: null, difference: null, status: null,
    messageId: item.messageId, transactionId: item.transactionId,
    amount: formatAmount(item.amountMinor, digitsOf(item.currency)), appliedAt: new Date(item.appliedAtMs).toISOString(),
  };
}

function digitsOf(currency: string): number {
  const digits = minorDigitsOf(currency);
  if (digits === undefined) throw new Error(`invariant: the report met currency ${currency}`);
  return digits;
}
