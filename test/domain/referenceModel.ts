/**
 * A naive reference model of the contract's section 2, written from the contract alone (no src
 * logic): per account it keeps the current EOD, every applied transaction and the ids of the
 * day's EODs, and recomputes each figure from scratch with exact BigInt arithmetic. The property
 * test runs the same messages through validateText + applyMessage (and facility changes through
 * applyFacilityLimit) and checks that both agree after every step.
 *
 * Readings of the contract spelled out here:
 * - The range check of rule 1 ("the total it would produce") applies to a message that would
 *   otherwise be applied; a duplicate, an older EOD or a transaction before the EOD produces no
 *   total. The totals are: the booking day's bucket, the intraday total, the current balance and,
 *   when the facility is known, the available balance (limit + current; holds are 0 until
 *   transfers exist).
 * - An EOD asks for its facility only once rules 1–3 let it through (README: "prefetch, then commit").
 * - A facility whose limit is unknown (not in the table) leaves the available balance unknown.
 * - The engine's close of a day that cannot be represented (beyond ±(2^53 − 1)) differs from any
 *   EOD; its mismatch effect names it as null.
 * - A facility change (README): not for an account that has no EOD or another facility; the same
 *   limit again changes nothing; one that would push the available balance out of range leaves
 *   the previous limit.
 */

export const MAX = 2n ** 53n - 1n;

/** The contract's currency table, written again here: minor digits. */
export const DIGITS: Readonly<Record<string, number>> = { USD: 2, EUR: 2, GBP: 2, CHF: 2, JPY: 0 };
export const CURRENCIES = Object.keys(DIGITS);

/** ALERT_THRESHOLD 10000.00 in each currency's minor units. */
export const ALERT_AT: Readonly<Record<string, bigint>> = { USD: 1_000_000n, EUR: 1_000_000n, GBP: 1_000_000n, CHF: 1_000_000n, JPY: 10_000n };

export type EventType = "TRANSACTION_CREATED" | "TRANSACTION_REMOVED";

export type ModelMessage =
  | { kind: "eod"; messageId: string; accountId: string; facilityId: string; balance: bigint; currency: string; date: string; instant: bigint }
  | {
    kind: "txn"; messageId: string; accountId: string; transactionId: string; eventType: EventType;
    amount: bigint; currency: string; date: string; instant: bigint;
  };

interface ModelTxn { messageId: string; transactionId: string; eventType: EventType; bookingDate: string; delta: bigint }

export interface ModelAccount {
  readonly accountId: string;
  currency: string | null;
  eod: { date: string; instant: bigint; balance: bigint; facilityId: string; messageIds: string[] } | null;
  /** null while no EOD, or while its facility is unknown. */
  limit: bigint | null;
  txns: ModelTxn[];
  version: number;
  updatedAtMs: number;
}

export type ModelEffect =
  | { kind: "balance_changed" }
  | { kind: "dead_letter"; reason: string }
  | { kind: "alert"; alert: { accountId: string; transactionId: string; amountMinor: number; currency: string; bookingDate: string; atMs: number } }
  | { kind: "eod_fix" }
  | { kind: "eod_mismatch"; engineCloseMinor: number | null; eodBalanceMinor: number };

export interface ModelDecision {
  outcome: "applied" | "duplicate" | "ignored_older" | "dead_lettered";
  reason?: string;
  warning?: "facility_not_found";
  effects: ModelEffect[];
}

/** Which rule decided, so that the property test can show that it reached every rule. */
export type Path = string;

export const newModelAccount = (accountId: string): ModelAccount =>
  ({ accountId, currency: null, eod: null, limit: null, txns: [], version: 0, updatedAtMs: 0 });

/** ":subsecond" when two different instants fall in the same second (only the fraction tells them apart). */
const subSecond = (a: bigint, b: bigint) => (a / 1_000_000_000n === b / 1_000_000_000n ? ":subsecond" : "");

const inRange = (x: bigint) => x <= MAX && x >= -MAX;
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

/** Transactions still intraday: booked after the EOD date (all of them before the first EOD). */
export const intraday = (acc: ModelAccount) => acc.txns.filter((t) => acc.eod === null || t.bookingDate > acc.eod.date);

const currentOf = (acc: ModelAccount) => (acc.eod?.balance ?? 0n) + sum(intraday(acc).map((t) => t.delta));

/** The engine's own close of `date`: the current EOD plus the buckets up to and including it. */
export function engineClose(acc: ModelAccount, date: string): bigint | null {
  if (acc.eod === null) return null;
  return acc.eod.balance + sum(intraday(acc).filter((t) => t.bookingDate <= date).map((t) => t.delta));
}

const deadLetter = (reason: string): ModelDecision => ({ outcome: "dead_lettered", reason, effects: [{ kind: "dead_letter", reason }] });

/** Rules 1–3 in order; null when the message passes them. */
function rejectedEarly(acc: ModelAccount, msg: ModelMessage): [ModelDecision, Path] | null {
  if (acc.currency !== null && msg.currency !== acc.currency) return [deadLetter("currency_mismatch"), "currency_mismatch"];
  const remembered = intraday(acc);
  if ([...remembered.map((t) => t.messageId), ...(acc.eod?.messageIds ?? [])].includes(msg.messageId)) {
    return [{ outcome: "duplicate", effects: [] }, "duplicate:message_id"];
  }
  if (msg.kind === "txn" && remembered.some((t) => t.transactionId === msg.transactionId && t.eventType === msg.eventType)) {
    return [{ outcome: "duplicate", effects: [] }, "duplicate:transaction_id"];
  }
  if (msg.kind === "eod" && acc.eod !== null) {
    if (msg.date < acc.eod.date) return [{ outcome: "ignored_older", effects: [] }, "ignored_older:earlier_day"];
    if (msg.date === acc.eod.date && msg.instant === acc.eod.instant) return [{ outcome: "ignored_older", effects: [] }, "ignored_older:same_instant"];
    if (msg.date === acc.eod.date && msg.instant < acc.eod.instant) {
      return [{ outcome: "ignored_older", effects: [] }, `ignored_older:earlier_instant${subSecond(msg.instant, acc.eod.instant)}`];
    }
  }
  return null;
}

/** True when the engine must look the EOD's facility up before it can decide. */
export function needsFacility(acc: ModelAccount, msg: ModelMessage): boolean {
  return msg.kind === "eod" && rejectedEarly(acc, msg) === null;
}

/** One valid message; `limit` is the facility table's limit for an EOD's facility (null: unknown). */
export function modelApply(acc: ModelAccount, msg: ModelMessage, limit: bigint | null, nowMs: number): [ModelDecision, Path] {
  const early = rejectedEarly(acc, msg);
  if (early !== null) return early;
  return msg.kind === "eod" ? applyEod(acc, msg, limit, nowMs) : applyTxn(acc, msg, nowMs);
}

function applyEod(acc: ModelAccount, msg: ModelMessage & { kind: "eod" }, limit: bigint | null, nowMs: number): [ModelDecision, Path] {
  const remembered = intraday(acc);
  const kept = sum(remembered.filter((t) => t.bookingDate > msg.date).map((t) => t.delta));
  if (!inRange(kept)) return [deadLetter("out_of_range"), "out_of_range:eod_kept"];
  if (!inRange(msg.balance + kept)) return [deadLetter("out_of_range"), "out_of_range:eod_current"];
  if (limit !== null && !inRange(limit + msg.balance + kept)) return [deadLetter("out_of_range"), "out_of_range:eod_available"];

  const effects: ModelEffect[] = [{ kind: "balance_changed" }];
  let path = "applied:eod";
  if (acc.eod !== null && msg.date === acc.eod.date) {
    effects.push({ kind: "eod_fix" });
    path = `applied:eod_fix${subSecond(msg.instant, acc.eod.instant)}`;
  }
  if (acc.eod !== null && msg.date > acc.eod.date) {
    const close = engineClose(acc, msg.date)!;
    path = "applied:eod_matches_close";
    if (close !== msg.balance) {
      effects.push({ kind: "eod_mismatch", engineCloseMinor: inRange(close) ? Number(close) : null, eodBalanceMinor: Number(msg.balance) });
      path = inRange(close) ? "applied:eod_mismatch" : "applied:eod_mismatch_unrepresentable";
    }
  }
  const messageIds = acc.eod !== null && acc.eod.date === msg.date ? [...acc.eod.messageIds, msg.messageId] : [msg.messageId];
  acc.eod = { date: msg.date, instant: msg.instant, balance: msg.balance, facilityId: msg.facilityId, messageIds };
  acc.limit = limit;
  markChanged(acc, msg.currency, nowMs);
  if (limit !== null) return [{ outcome: "applied", effects }, path];
  effects.push({ kind: "dead_letter", reason: "facility_not_found" });
  return [{ outcome: "applied", warning: "facility_not_found", effects }, "applied:facility_not_found"];
}

function applyTxn(acc: ModelAccount, msg: ModelMessage & { kind: "txn" }, nowMs: number): [ModelDecision, Path] {
  if (acc.eod !== null && msg.date <= acc.eod.date) return [deadLetter("before_eod"), "before_eod"];
  const remembered = intraday(acc);
  const delta = msg.eventType === "TRANSACTION_CREATED" ? msg.amount : -msg.amount;
  const bucket = sum(remembered.filter((t) => t.bookingDate === msg.date).map((t) => t.delta)) + delta;
  const total = sum(remembered.map((t) => t.delta)) + delta;
  const current = (acc.eod?.balance ?? 0n) + total;
  const out = {
    bucket: !inRange(bucket), total: !inRange(total), current: !inRange(current),
    available: acc.limit !== null && !inRange(acc.limit + current),
  };
  if (out.bucket || out.total || out.current || out.available) {
    const only = Object.entries(out).filter(([, o]) => o).map(([name]) => name);
    return [deadLetter("out_of_range"), only.length === 1 ? `out_of_range:${only[0]}_only` : "out_of_range:several"];
  }
  acc.txns.push({ messageId: msg.messageId, transactionId: msg.transactionId, eventType: msg.eventType, bookingDate: msg.date, delta });
  markChanged(acc, msg.currency, nowMs);
  const effects: ModelEffect[] = [{ kind: "balance_changed" }];
  const absolute = msg.amount < 0n ? -msg.amount : msg.amount;
  if (msg.eventType === "TRANSACTION_CREATED" && absolute >= ALERT_AT[msg.currency]!) {
    effects.push({
      kind: "alert",
      alert: { accountId: msg.accountId, transactionId: msg.transactionId, amountMinor: Number(msg.amount), currency: msg.currency, bookingDate: msg.date, atMs: nowMs },
    });
    return [{ outcome: "applied", effects }, "applied:alert"];
  }
  return [{ outcome: "applied", effects }, "applied:txn"];
}

/** `PUT /v1/admin/facilities/:id` as it reaches one account. */
export function modelFacilityChange(acc: ModelAccount, facilityId: string, limit: bigint, nowMs: number): string {
  if (acc.eod === null || acc.eod.facilityId !== facilityId) return "not_using_facility";
  if (acc.limit === limit) return "unchanged";
  if (!inRange(limit + currentOf(acc))) return "out_of_range";
  acc.limit = limit;
  acc.version += 1;
  acc.updatedAtMs = nowMs;
  return "applied";
}

function markChanged(acc: ModelAccount, currency: string, nowMs: number): void {
  acc.currency = currency;
  acc.version += 1;
  acc.updatedAtMs = nowMs;
}

/** The figures both sides must agree on, after every step. */
export function modelFigures(acc: ModelAccount) {
  const kept = intraday(acc);
  const days = new Map<string, bigint>();
  for (const t of kept) days.set(t.bookingDate, (days.get(t.bookingDate) ?? 0n) + t.delta);
  return {
    currency: acc.currency,
    version: acc.version,
    updatedAtMs: acc.updatedAtMs,
    eodDate: acc.eod?.date ?? null,
    limit: acc.limit,
    buckets: [...days].sort(([a], [b]) => a.localeCompare(b)),
    intraday: sum(kept.map((t) => t.delta)),
    current: currentOf(acc),
    // Rule 2's memory: the ids of the current EOD date's EODs, and the message id and the
    // transaction id of each intraday transaction. Nothing older: one business day at most.
    rememberedIds: (acc.eod?.messageIds.length ?? 0) + 2 * kept.length,
  };
}

/** Decimal string of `minor` in a currency with `digits` digits (independent of src/domain/money.ts). */
export function decimal(minor: bigint, digits: number, trimZero = false): string {
  const negative = minor < 0n;
  let text = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  if (trimZero && digits > 0 && text.endsWith("0")) text = text.slice(0, -1);
  return negative ? `-${text}` : text;
}
