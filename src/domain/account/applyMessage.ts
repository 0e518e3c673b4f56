/**
 * The account transition: (state, message) → outcome and effects, following the contract's
 * rules in order (invalid → duplicate → older → before EOD → apply). No I/O and no clock: the
 * caller passes the time and, for an EOD, the facility limit it looked up. It updates `state` in
 * place, and only when the outcome is `applied` (copying an account per message would cost more
 * than all the rest); a rejected message never changes it.
 */
import { figuresOf } from "./accountFigures.ts";
import type { AccountState } from "./accountState.ts";
import { WindowKind, WindowNamespace } from "./dedupeWindow.ts";
import { compareInstants } from "../calendar.ts";
import { highValueAlertOf, type AlertThresholds, type HighValueAlert } from "./highValueAlert.ts";
import type { BankMessage, EodBalanceMessage, TransactionMessage } from "./messages.ts";
import { addMinor, sumMinor } from "../money.ts";
import type { DeadLetterReason, Outcome, Warning } from "../reasons.ts";
import { applyStatusChange } from "../transfer/changeTransferStatus.ts";

export type FacilityMissing = "facility_not_found" | "facility_unavailable";

export interface ApplyContext {
  readonly nowMs: number;
  readonly alertThresholds: AlertThresholds;
  /** For an EOD message: the facility's limit in minor units, or null when it is not known. */
  readonly facilityLimitMinor?: number | null;
  /**
   * Why a null limit is not known: the table has no such facility (the default), or the table
   * could not be read in time (the limit is filled in once it can).
   */
  readonly facilityMissing?: FacilityMissing;
}

/** What the runtime must carry out after a transition. */
export type Effect =
  | { readonly kind: "balance_changed" }
  | { readonly kind: "dead_letter"; readonly reason: DeadLetterReason }
  | { readonly kind: "alert"; readonly alert: HighValueAlert }
  | { readonly kind: "eod_fix" }
  | { readonly kind: "eod_mismatch"; readonly engineCloseMinor: number | null; readonly eodBalanceMinor: number }
  | { readonly kind: "transfer_changed"; readonly transferId: string };

/** An EOD that would apply needs its facility limit: look it up and call again with it. */
export interface FacilityRequest {
  readonly outcome: "needs_facility";
  readonly facilityId: string;
}

export interface Decision {
  readonly outcome: Outcome;
  /** Set when the outcome is `dead_lettered`. */
  readonly reason?: DeadLetterReason;
  readonly warning?: Warning;
  readonly effects: readonly Effect[];
}

const DUPLICATE: Decision = Object.freeze({ outcome: "duplicate", effects: [] });
const IGNORED_OLDER: Decision = Object.freeze({ outcome: "ignored_older", effects: [] });

export function deadLettered(reason: DeadLetterReason): Decision {
  return { outcome: "dead_lettered", reason, effects: [{ kind: "dead_letter", reason }] };
}

export function applyMessage(
  state: AccountState, message: BankMessage, context: ApplyContext,
): Decision | FacilityRequest {
  if (state.currency !== null && message.currency !== state.currency) return deadLettered("currency_mismatch");
  if (isDuplicate(state, message)) return DUPLICATE;
  return message.type === "EOD_BALANCE"
    ? applyEod(state, message, context)
    : applyTransaction(state, message, context);
}

function isDuplicate(state: AccountState, message: BankMessage): boolean {
  if (state.dedupe.has(WindowNamespace.message, message.messageId)) return true;
  if (message.type !== "TRANSACTION") return false;
  const created = message.eventType === "TRANSACTION_CREATED";
  return state.dedupe.has(created ? WindowNamespace.created : WindowNamespace.removed, message.transactionId);
}

function applyTransaction(state: AccountState, message: TransactionMessage, context: ApplyContext): Decision {
  if (state.eod !== null && message.bookingDate <= state.eod.date) return deadLettered("before_eod");
  const deltaMinor = message.eventType === "TRANSACTION_CREATED" ? message.amountMinor : -message.amountMinor;
  const bucketMinor = addMinor(state.buckets.get(message.bookingDate) ?? 0, deltaMinor);
  const intradayMinor = addMinor(state.intradayTotalMinor, deltaMinor);
  if (bucketMinor === null || intradayMinor === null) return deadLettered("out_of_range");
  if (figuresOf(state.eod?.balanceMinor ?? 0, intradayMinor, state.facilityLimitMinor, state.holdsMinor) === null) {
    return deadLettered("out_of_range");
  }

  state.buckets.set(message.bookingDate, bucketMinor);
  state.intradayTotalMinor = intradayMinor;
  state.dedupe.add(WindowKind.transactionMessage, message.messageId, message.bookingDate);
  const created = message.eventType === "TRANSACTION_CREATED";
  state.dedupe.add(created ? WindowKind.created : WindowKind.removed, message.transactionId, message.bookingDate);
  markChanged(state, message.currency, context.nowMs);

  const alert = highValueAlertOf(message, context.alertThresholds, context.nowMs);
  const effects: Effect[] = [{ kind: "balance_changed" }];
  if (alert !== null) effects.push({ kind: "alert", alert });
  if (postsTransfer(state, message, context.nowMs)) effects.push({ kind: "transfer_changed", transferId: message.transferId! });
  return { outcome: "applied", effects };
}

function applyEod(state: AccountState, message: EodBalanceMessage, context: ApplyContext): Decision | FacilityRequest {
  const current = state.eod;
  if (current !== null && isOlderEod(message, current.date, current.timestamp)) return IGNORED_OLDER;
  if (context.facilityLimitMinor === undefined) return { outcome: "needs_facility", facilityId: message.facilityId };
  const facilityLimitMinor = context.facilityLimitMinor;

  const keptMinor = sumBuckets(state, (bookingDate) => bookingDate > message.asOfDate);
  if (keptMinor === null || figuresOf(message.balanceMinor, keptMinor, facilityLimitMinor, state.holdsMinor) === null) {
    return deadLettered("out_of_range");
  }

  const effects: Effect[] = [{ kind: "balance_changed" }];
  if (current !== null && message.asOfDate === current.date) effects.push({ kind: "eod_fix" });
  if (current !== null && message.asOfDate > current.date) {
    // The engine's own close of the new day, summed in one go: the closed days alone may leave the
    // range while the close fits. Null only when the close itself would leave it (then it differs).
    const engineCloseMinor = sumMinor([current.balanceMinor, ...bucketTotals(state, (bookingDate) => bookingDate <= message.asOfDate)]);
    if (engineCloseMinor !== message.balanceMinor) {
      effects.push({ kind: "eod_mismatch", engineCloseMinor, eodBalanceMinor: message.balanceMinor });
    }
  }

  dropClosedDays(state, message.asOfDate);
  state.intradayTotalMinor = keptMinor;
  state.eod = {
    balanceMinor: message.balanceMinor, date: message.asOfDate,
    timestamp: message.timestamp, facilityId: message.facilityId,
  };
  state.facilityLimitMinor = facilityLimitMinor;
  state.dedupe.add(WindowKind.eodMessage, message.messageId, message.asOfDate);
  markChanged(state, message.currency, context.nowMs);

  if (facilityLimitMinor !== null) return { outcome: "applied", effects };
  const missing = context.facilityMissing ?? "facility_not_found";
  effects.push({ kind: "dead_letter", reason: missing });
  return { outcome: "applied", warning: missing, effects };
}

/** Rule 3: an earlier day, or the same day with a timestamp not later than the applied one. */
function isOlderEod(message: EodBalanceMessage, date: string, timestamp: EodBalanceMessage["timestamp"]): boolean {
  if (message.asOfDate !== date) return message.asOfDate < date;
  return compareInstants(message.timestamp, timestamp) <= 0;
}

/** Exact sum of the intraday buckets whose booking date passes `include`; null out of range. */
function sumBuckets(state: AccountState, include: (bookingDate: string) => boolean): number | null {
  return sumMinor(bucketTotals(state, include));
}

function bucketTotals(state: AccountState, include: (bookingDate: string) => boolean): number[] {
  const totals: number[] = [];
  for (const [bookingDate, total] of state.buckets) if (include(bookingDate)) totals.push(total);
  return totals;
}

/**
 * The ledger's debit leg of a transfer (`<transferId>:debit` on its source) posts it: the money
 * has now left through the ordinary transaction, so its hold is released. One path of truth.
 */
function postsTransfer(state: AccountState, message: TransactionMessage, nowMs: number): boolean {
  const transferId = message.transferId;
  if (transferId === undefined || message.transactionId !== `${transferId}:debit`) return false;
  return applyStatusChange(state, transferId, "POSTED", nowMs);
}

/**
 * An EOD for `date` closes every day up to it: drop those buckets and forget their transaction
 * ids (rule 4 rejects such transactions from now on), and the ids of EODs of earlier days.
 */
function dropClosedDays(state: AccountState, date: string): void {
  for (const bookingDate of state.buckets.keys()) {
    if (bookingDate <= date) state.buckets.delete(bookingDate);
  }
  state.dedupe.forgetClosedDays(date);
}

function markChanged(state: AccountState, currency: string, nowMs: number): void {
  state.currency = currency;
  state.version += 1;
  state.updatedAtMs = nowMs;
}
