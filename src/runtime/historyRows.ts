/**
 * Rows the history readers select, read back into the port's values. Both stores answer with the
 * same aliases, every value as text (64-bit integers stay exact), and every value is checked here
 * right after it is read: a row that does not fit is a broken invariant of the log, not an answer.
 */
import type { BalancePoint } from "../domain/account/balancePoint.ts";
import { formatInstant } from "../domain/calendar.ts";
import { TRANSACTION_EVENT_TYPES, type TransactionEventType } from "../domain/account/messages.ts";
import type { DayCloseParts, HistoryItem, LoggedEod, TransactionPage } from "./ports.ts";

/** Column aliases of a history item (no alias reuses a column's name: ClickHouse 18.16 resolves them query-wide). */
export const ITEM_ALIASES = [
  "h_message_id", "h_transaction_id", "h_event_type", "h_amount", "h_currency", "h_booking_date", "h_epoch_s", "h_nanos", "h_at_ms", "h_seq",
] as const;
export type ItemRow = Record<(typeof ITEM_ALIASES)[number], unknown>;

export const POINT_ALIASES = [
  "p_account_id", "p_currency", "p_eod_known", "p_eod_balance", "p_eod_date", "p_intraday", "p_limit_known", "p_limit",
  "p_holds", "p_version", "p_origin_ms", "p_updated_at_ms",
] as const;
export type PointRow = Record<(typeof POINT_ALIASES)[number], unknown>;

export const EOD_ALIASES = ["e_message_id", "e_balance", "e_as_of_date", "e_currency"] as const;
export type EodRow = Record<(typeof EOD_ALIASES)[number], unknown>;

const INTEGER = /^-?(0|[1-9][0-9]{0,18})$/;

export function historyItemOfRow(row: ItemRow): HistoryItem {
  const eventType = textOf(row.h_event_type, "h_event_type") as TransactionEventType;
  if (!TRANSACTION_EVENT_TYPES.includes(eventType)) throw new Error(`invariant: the event log has event type ${String(eventType)}`);
  const nanos = integerOf(row.h_nanos, "h_nanos");
  return {
    messageId: textOf(row.h_message_id, "h_message_id"),
    transactionId: textOf(row.h_transaction_id, "h_transaction_id"),
    eventType,
    amountMinor: integerOf(row.h_amount, "h_amount"),
    currency: textOf(row.h_currency, "h_currency"),
    bookingDate: textOf(row.h_booking_date, "h_booking_date"),
    timestamp: formatInstant({ epochSeconds: integerOf(row.h_epoch_s, "h_epoch_s"), nanos }),
    appliedAtMs: integerOf(row.h_at_ms, "h_at_ms"),
    sequence: integerOf(row.h_seq, "h_seq"),
  };
}

/** A page from rows asked for with one more than `limit`: that extra row says whether a next page exists. */
export function transactionPageOf(rows: readonly ItemRow[], limit: number): TransactionPage {
  const items = rows.slice(0, limit).map(historyItemOfRow);
  const last = items.at(-1);
  const next = rows.length > limit && last !== undefined ? { appliedAtMs: last.appliedAtMs, sequence: last.sequence, messageId: last.messageId } : null;
  return { items, next };
}

export function balancePointOfRow(row: PointRow): BalancePoint {
  const eodKnown = integerOf(row.p_eod_known, "p_eod_known") === 1;
  const limitKnown = integerOf(row.p_limit_known, "p_limit_known") === 1;
  const currency = textOf(row.p_currency, "p_currency");
  return {
    accountId: textOf(row.p_account_id, "p_account_id"),
    currency: currency === "" ? null : currency,
    eod: eodKnown ? { balanceMinor: integerOf(row.p_eod_balance, "p_eod_balance"), date: textOf(row.p_eod_date, "p_eod_date") } : null,
    facilityLimitMinor: limitKnown ? integerOf(row.p_limit, "p_limit") : null,
    intradayTotalMinor: integerOf(row.p_intraday, "p_intraday"),
    holdsMinor: integerOf(row.p_holds, "p_holds"),
    version: integerOf(row.p_version, "p_version"),
    originMs: integerOf(row.p_origin_ms, "p_origin_ms"),
    updatedAtMs: integerOf(row.p_updated_at_ms, "p_updated_at_ms"),
  };
}

export function loggedEodOfRow(row: EodRow): LoggedEod & { readonly currency: string } {
  return {
    messageId: textOf(row.e_message_id, "e_message_id"),
    balanceMinor: integerOf(row.e_balance, "e_balance"),
    asOfDate: textOf(row.e_as_of_date, "e_as_of_date"),
    currency: textOf(row.e_currency, "e_currency"),
  };
}

/** A sum the store computed, exact or a broken invariant (never rounded). */
export function integerOf(value: unknown, name: string): number {
  const text = typeof value === "number" || typeof value === "bigint" ? String(value) : value;
  if (typeof text !== "string" || !INTEGER.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new Error(`invariant: ${name} is ${String(value)}, not a safe integer`);
  }
  return Number(text);
}

function textOf(value: unknown, name: string): string {
  if (typeof value !== "string") throw new Error(`invariant: ${name} is ${String(value)}, not text`);
  return value;
}

/** A row of per-day totals: one account's net of one booking day. */
export interface DayTotalRow {
  readonly d_account_id: unknown;
  readonly d_booking_date: unknown;
  readonly d_total: unknown;
}

/** The base and core EODs and the day totals of a chunk of accounts, put together per account, in the order asked for. */
export function dayClosePartsOf(
  accountIds: readonly string[], baseRows: readonly (EodRow & { d_account_id: unknown })[],
  coreRows: readonly (EodRow & { d_account_id: unknown })[], totalRows: readonly DayTotalRow[],
): DayCloseParts[] {
  const byAccount = (rows: readonly (EodRow & { d_account_id: unknown })[]) =>
    new Map(rows.map((row) => [textOf(row.d_account_id, "d_account_id"), loggedEodOfRow(row)]));
  const bases = byAccount(baseRows);
  const cores = byAccount(coreRows);
  const totals = new Map<string, Map<string, number>>();
  for (const row of totalRows) {
    const accountId = textOf(row.d_account_id, "d_account_id");
    const days = totals.get(accountId) ?? new Map<string, number>();
    days.set(textOf(row.d_booking_date, "d_booking_date"), integerOf(row.d_total, "d_total"));
    totals.set(accountId, days);
  }
  return accountIds.map((accountId) => ({
    accountId, baseEod: bases.get(accountId) ?? null, dayTotals: totals.get(accountId) ?? new Map(), coreEod: cores.get(accountId) ?? null,
  }));
}

/** The earliest base EOD day of a chunk: the day totals start after it ("" when none has one). */
export function earliestBaseDateOf(baseRows: readonly EodRow[]): string {
  let earliest = "";
  for (const row of baseRows) {
    const date = textOf(row.e_as_of_date, "e_as_of_date");
    if (earliest === "" || date < earliest) earliest = date;
  }
  return earliest;
}
