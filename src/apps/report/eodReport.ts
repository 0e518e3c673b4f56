/**
 * The EOD report (the batch path): for every account of the Postgres copy, the engine's close of
 * day D and the core system's EOD of D from the event log, their difference, and the day's
 * high-value transactions, as one CSV table. Streamed a chunk of accounts at a time, so memory
 * stays bounded by REPORT_CHUNK_ACCOUNTS whatever the number of accounts; never the engine's memory.
 */
import { dayCloseOf } from "../../domain/account/dayClose.ts";
import type { AlertThresholds } from "../../domain/account/highValueAlert.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { formatAmount } from "../../domain/money.ts";
import { csvLine, csvPlain, csvText } from "../../lib/csv.ts";
import type { AccountLister, CopiedAccount, DayCloseParts, DayCloseReader, HighValueItem } from "../../runtime/ports.ts";

/** Accounts read and written per step: one query each for their closes and high-value items. */
export const REPORT_CHUNK_ACCOUNTS = 1000;

export const EOD_REPORT_COLUMNS = [
  "record", "accountId", "currency", "date", "engineClose", "coreEod", "difference", "status", "messageId", "transactionId", "amount", "appliedAt",
] as const;

export interface EodReportOptions {
  readonly accounts: AccountLister;
  readonly closes: DayCloseReader;
  readonly date: string;
  readonly thresholds: AlertThresholds;
  /** Resolves once the text is written (backpressure: the next chunk waits for it). */
  readonly write: (text: string) => Promise<void>;
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
  await options.write(csvLine(EOD_REPORT_COLUMNS));
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
    const lines: string[] = [];
    closes.value.forEach((parts, index) => {
      const line = accountLine(accounts[index]!, parts, options.date);
      if (line.mismatch) summary.mismatches += 1;
      lines.push(line.text);
    });
    const currencyOf = new Map(accounts.map((account) => [account.accountId, account.currency]));
    for (const item of highValue.value) {
      if (Math.abs(item.amountMinor) < (options.thresholds[item.currency] ?? Infinity)) continue;
      lines.push(highValueLine(item, currencyOf.get(item.accountId) ?? item.currency, options.date));
      summary.highValue += 1;
    }
    await options.write(lines.join(""));
    summary.accounts += accounts.length;
    options.progress?.(summary.accounts, Math.max(total, summary.accounts));
    after = accounts.at(-1)!.accountId;
  }
  return { ok: true, summary };
}

function accountLine(account: CopiedAccount, parts: DayCloseParts, date: string): { text: string; mismatch: boolean } {
  const close = dayCloseOf({ baseEod: parts.baseEod, dayTotals: parts.dayTotals, coreEodMinor: parts.coreEod?.balanceMinor ?? null }, date);
  const digits = digitsOf(account.currency);
  const amount = (minor: number | null) => (minor === null ? "" : formatAmount(minor, digits));
  const text = csvLine([
    "account", csvText(account.accountId), csvPlain(account.currency), date, amount(close.engineCloseMinor), amount(close.coreEodMinor),
    amount(close.differenceMinor), close.status, csvText(parts.coreEod?.messageId ?? ""), "", "", "",
  ]);
  return { text, mismatch: close.status === "mismatch" };
}

function highValueLine(item: HighValueItem, currency: string, date: string): string {
  return csvLine([
    "high_value", csvText(item.accountId), csvPlain(currency), date, "", "", "", "", csvText(item.messageId), csvText(item.transactionId),
    formatAmount(item.amountMinor, digitsOf(item.currency)), new Date(item.appliedAtMs).toISOString(),
  ]);
}

function digitsOf(currency: string): number {
  const digits = minorDigitsOf(currency);
  if (digits === undefined) throw new Error(`invariant: the report met currency ${currency}`);
  return digits;
}
