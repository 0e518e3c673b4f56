/**
 * The bodies of the history routes, built from the event log's values (ports): an applied
 * transaction, a page of them with its cursor, and a day's statement (JSON and CSV). The schemas
 * are the one source of the types and of the OpenAPI description.
 */
import { t } from "elysia";
import { AmountSchema, DateSchema, InstantSchema } from "../domain/account/balanceView.ts";
import { TRANSACTION_EVENT_TYPES } from "../domain/account/messages.ts";
import { statementFiguresOf } from "../domain/account/statementFigures.ts";
import { minorDigitsOf } from "../domain/currency.ts";
import { formatAmount } from "../domain/money.ts";
import { csvLine, csvPlain, csvText } from "../lib/csv.ts";
import { literalUnion } from "../lib/literalUnion.ts";
import type { HistoryItem, HistoryKey, StatementParts } from "../runtime/ports.ts";

export const HistoryItemBody = t.Object({
  messageId: t.String(),
  transactionId: t.String(),
  eventType: literalUnion(TRANSACTION_EVENT_TYPES),
  amount: t.String({ description: "As sent: TRANSACTION_REMOVED subtracts it", examples: ["-50.00"] }),
  bookingDate: DateSchema,
  timestamp: t.String({ description: "The message's timestamp (RFC 3339, UTC)" }),
  appliedAt: InstantSchema,
});
export type HistoryItemBody = typeof HistoryItemBody.static;

export const TransactionPageBody = t.Object({
  items: t.Array(HistoryItemBody),
  nextCursor: t.Union([t.String(), t.Null()], { description: "Pass as cursor for the next, older page; null on the last" }),
});

export const StatementBody = t.Object({
  accountId: t.String(),
  currency: t.String(),
  date: DateSchema,
  openingBalance: AmountSchema,
  items: t.Array(HistoryItemBody),
  closingBalance: AmountSchema,
  coreEod: t.Union([t.Object({
    balance: AmountSchema,
    difference: t.String({ description: "The core system's EOD minus closingBalance", examples: ["0.00"] }),
  }), t.Null()], { description: "The core system's EOD of the date (its last fix), once it has arrived" }),
});
export type StatementBody = typeof StatementBody.static;

export function historyItemBodyOf(item: HistoryItem, digits: number): HistoryItemBody {
  return {
    messageId: item.messageId, transactionId: item.transactionId, eventType: item.eventType,
    amount: formatAmount(item.amountMinor, digits), bookingDate: item.bookingDate, timestamp: item.timestamp,
    appliedAt: new Date(item.appliedAtMs).toISOString(),
  };
}

/** The items' minor digits: every applied item of an account is in its currency. */
export function digitsOf(currency: string): number {
  const digits = minorDigitsOf(currency);
  if (digits === undefined) throw new Error(`invariant: the event log holds currency ${currency}`);
  return digits;
}

/** The statement, or null when its sums leave ±(2^53 − 1) (no answer would be exact). */
export function statementBodyOf(accountId: string, date: string, parts: StatementParts): { body: StatementBody; runningMinor: readonly number[] } | null {
  const figures = statementFiguresOf({
    baseEodMinor: parts.baseEod.balanceMinor, betweenMinor: parts.betweenMinor, items: parts.items,
    coreEodMinor: parts.coreEod?.balanceMinor ?? null,
  });
  if (figures === null) return null;
  const digits = digitsOf(parts.currency);
  const amount = (minor: number) => formatAmount(minor, digits);
  const body: StatementBody = {
    accountId, currency: parts.currency, date, openingBalance: amount(figures.openingMinor),
    items: parts.items.map((item) => historyItemBodyOf(item, digits)), closingBalance: amount(figures.closingMinor),
    coreEod: parts.coreEod === null ? null : { balance: amount(parts.coreEod.balanceMinor), difference: amount(figures.coreDifferenceMinor!) },
  };
  return { body, runningMinor: figures.runningMinor };
}

const STATEMENT_CSV_HEADER = [
  "accountId", "currency", "date", "line", "messageId", "transactionId", "eventType", "amount", "balance", "bookingDate", "timestamp", "appliedAt",
];

/**
 * One table: an `opening` line, an `item` line per transaction with the balance after it, a
 * `closing` line, and a `core_eod` line (its balance, and the difference as its amount) once the
 * core system's EOD has arrived.
 */
export function statementCsvOf(statement: StatementBody, runningMinor: readonly number[], digits: number): string {
  const { accountId, currency, date } = statement;
  const line = (kind: string, item: Partial<HistoryItemBody>, amount: string, balance: string) => csvLine([
    csvText(accountId), csvPlain(currency), csvPlain(date), kind, csvText(item.messageId ?? ""), csvText(item.transactionId ?? ""),
    csvPlain(item.eventType ?? ""), csvPlain(amount), csvPlain(balance), csvPlain(item.bookingDate ?? ""),
    csvPlain(item.timestamp ?? ""), csvPlain(item.appliedAt ?? ""),
  ]);
  const lines = [csvLine(STATEMENT_CSV_HEADER), line("opening", {}, "", statement.openingBalance)];
  statement.items.forEach((item, index) => lines.push(line("item", item, item.amount, formatAmount(runningMinor[index]!, digits))));
  lines.push(line("closing", {}, "", statement.closingBalance));
  if (statement.coreEod !== null) lines.push(line("core_eod", {}, statement.coreEod.difference, statement.coreEod.balance));
  return lines.join("");
}

/** A page's cursor: the key of its last item, opaque to clients (base64url of JSON). */
export function cursorOf(key: HistoryKey): string {
  return Buffer.from(JSON.stringify([key.appliedAtMs, key.sequence, key.messageId])).toString("base64url");
}

/** The key inside a cursor, or null when the text is not one this engine made. */
export function keyOfCursor(cursor: string): HistoryKey | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 3) return null;
  const [appliedAtMs, sequence, messageId] = value as unknown[];
  if (!isCount(appliedAtMs) || !isCount(sequence) || typeof messageId !== "string" || messageId.length > 512) return null;
  return { appliedAtMs, sequence, messageId };
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
