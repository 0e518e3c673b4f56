/**
 * A naive reference model of the contract's section 2, written from the contract alone (no src
 * logic): per account it keeps the current EOD, every applied transaction and the ids of the day's
 * EODs, and recomputes each figure from scratch with exact BigInt arithmetic. Random sequences over
 * a few accounts, days and ids run through validateText + applyMessage and must agree after every step.
 *
 * One reading of the contract is spelled out here: the range check of rule 1 ("the total it would
 * produce") applies to a message that would otherwise be applied; a duplicate, an older EOD or a
 * transaction before the EOD produces no total.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { balanceViewOf } from "../../src/domain/account/balanceView.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { validateText } from "../../src/domain/account/validateMessage.ts";

// ---- the model -------------------------------------------------------------------------------

const MAX = 2n ** 53n - 1n;
const FACILITY = 500_000n;
const DIGITS: Record<string, number> = { USD: 2, EUR: 2, JPY: 0 };
const ALERT_AT: Record<string, bigint> = { USD: 1_000_000n, EUR: 1_000_000n, JPY: 10_000n };
const ACCOUNTS = ["A", "B", "C"] as const;
const HOME: Record<string, string> = { A: "USD", B: "EUR", C: "JPY" };
const DAYS = ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"];
const HUGE = 5_404_319_552_844_595n; // 0.6 × (2^53 − 1): one fits, two do not

interface ModelTxn { messageId: string; transactionId: string; eventType: string; bookingDate: string; delta: bigint }
interface ModelAccount {
  currency: string | null;
  eod: { date: string; minute: number; balance: bigint; messageIds: string[] } | null;
  txns: ModelTxn[];
  version: number;
}

type Expected = { outcome: string; reason?: string; effects: string[] };

const inRange = (x: bigint) => x <= MAX && x >= -MAX;
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

/** Transactions still intraday: booked after the EOD date (all of them before the first EOD). */
const intraday = (acc: ModelAccount) => acc.txns.filter((t) => acc.eod === null || t.bookingDate > acc.eod.date);

function modelStep(acc: ModelAccount, msg: Spec, wire: WireFacts): Expected {
  if (wire.invalid !== null) return { outcome: "dead_lettered", reason: wire.invalid, effects: ["dead_letter"] };
  const deadLetter = (reason: string): Expected => ({ outcome: "dead_lettered", reason, effects: ["dead_letter"] });

  // Rule 1: currency fixed by the first applied message.
  if (acc.currency !== null && msg.currency !== acc.currency) return deadLetter("currency_mismatch");

  // Rule 2: duplicates among remembered ids.
  const remembered = intraday(acc);
  const seenMessageIds = [...remembered.map((t) => t.messageId), ...(acc.eod?.messageIds ?? [])];
  if (seenMessageIds.includes(msg.messageId)) return { outcome: "duplicate", effects: [] };
  if (msg.kind === "txn" && remembered.some((t) => t.transactionId === msg.transactionId && t.eventType === msg.eventType)) {
    return { outcome: "duplicate", effects: [] };
  }

  if (msg.kind === "eod") {
    const balance = wire.minor;
    // Rule 3.
    if (acc.eod !== null && (msg.date < acc.eod.date || (msg.date === acc.eod.date && msg.minute <= acc.eod.minute))) {
      return { outcome: "ignored_older", effects: [] };
    }
    const kept = sum(remembered.filter((t) => t.bookingDate > msg.date).map((t) => t.delta));
    if (!inRange(kept) || !inRange(balance + kept) || !inRange(FACILITY + balance + kept)) return deadLetter("out_of_range");
    const effects = ["balance_changed"];
    if (acc.eod !== null && msg.date === acc.eod.date) effects.push("eod_fix");
    if (acc.eod !== null && msg.date > acc.eod.date) {
      const close = acc.eod.balance + sum(remembered.filter((t) => t.bookingDate <= msg.date).map((t) => t.delta));
      if (close !== balance) effects.push("eod_mismatch");
    }
    const messageIds = acc.eod !== null && acc.eod.date === msg.date ? [...acc.eod.messageIds, msg.messageId] : [msg.messageId];
    acc.eod = { date: msg.date, minute: msg.minute, balance, messageIds };
    acc.currency = msg.currency;
    acc.version += 1;
    return { outcome: "applied", effects };
  }

  // Rule 4.
  if (acc.eod !== null && msg.date <= acc.eod.date) return deadLetter("before_eod");
  const amount = wire.minor;
  const delta = msg.eventType === "TRANSACTION_CREATED" ? amount : -amount;
  const bucket = sum(remembered.filter((t) => t.bookingDate === msg.date).map((t) => t.delta)) + delta;
  const total = sum(remembered.map((t) => t.delta)) + delta;
  const current = (acc.eod?.balance ?? 0n) + total;
  if (!inRange(bucket) || !inRange(total) || !inRange(current)) return deadLetter("out_of_range");
  if (acc.eod !== null && !inRange(FACILITY + current)) return deadLetter("out_of_range");
  acc.txns.push({ messageId: msg.messageId, transactionId: msg.transactionId, eventType: msg.eventType, bookingDate: msg.date, delta });
  acc.currency = msg.currency;
  acc.version += 1;
  const effects = ["balance_changed"];
  const absolute = amount < 0n ? -amount : amount;
  if (msg.eventType === "TRANSACTION_CREATED" && absolute >= ALERT_AT[msg.currency]!) effects.push("alert");
  return { outcome: "applied", effects };
}

// ---- generated messages ------------------------------------------------------------------------

type Corruption =
  | "none" | "not_json" | "missing_field" | "unknown_event_type" | "amount_number" | "amount_grammar"
  | "too_many_digits" | "bad_date" | "bad_timestamp" | "unknown_currency" | "out_of_range";

interface Spec {
  kind: "eod" | "txn";
  accountId: string;
  currencyPick: number; // < 18: the account's home currency; else another one
  currency: string; // resolved below
  messageId: string;
  transactionId: string;
  eventType: "TRANSACTION_CREATED" | "TRANSACTION_REMOVED";
  date: string;
  minute: number;
  offset: "Z" | "+01:00" | "-05:00";
  amount: bigint;
  amountMode: "small" | "huge" | "engine_close";
  trimZero: boolean;
  corruption: Corruption;
}

interface WireFacts { text: string; minor: bigint; eventType: Spec["eventType"]; invalid: string | null }

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 40, arbitrary: fc.constant<Corruption>("none") },
  { weight: 1, arbitrary: fc.constantFrom<Corruption>(
    "not_json", "missing_field", "unknown_event_type", "amount_number", "amount_grammar", "too_many_digits",
    "bad_date", "bad_timestamp", "unknown_currency", "out_of_range",
  ) },
);

const spec: fc.Arbitrary<Spec> = fc
  .record({
    kind: fc.oneof({ weight: 1, arbitrary: fc.constant("eod" as const) }, { weight: 2, arbitrary: fc.constant("txn" as const) }),
    accountId: fc.constantFrom(...ACCOUNTS),
    currencyPick: fc.nat(19),
    messageId: fc.nat(24).map((n) => `m${n}`),
    transactionId: fc.nat(7).map((n) => `t${n}`),
    eventType: fc.oneof(
      { weight: 3, arbitrary: fc.constant("TRANSACTION_CREATED" as const) },
      { weight: 1, arbitrary: fc.constant("TRANSACTION_REMOVED" as const) },
    ),
    date: fc.constantFrom(...DAYS),
    minute: fc.nat(5),
    offset: fc.constantFrom("Z" as const, "+01:00" as const, "-05:00" as const),
    amount: fc.oneof(
      { weight: 4, arbitrary: fc.bigInt({ min: -20_000n, max: 20_000n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: -1_500_000n, max: 1_500_000n }) },
      { weight: 1, arbitrary: fc.constantFrom(1_000_000n, -1_000_000n, 999_999n, 10_000n, -10_000n, 9_999n) }, // alert edges
    ),
    amountMode: fc.oneof(
      { weight: 20, arbitrary: fc.constant("small" as const) },
      { weight: 2, arbitrary: fc.constant("huge" as const) },
      { weight: 3, arbitrary: fc.constant("engine_close" as const) },
    ),
    trimZero: fc.boolean(),
    corruption,
  })
  .map((s) => {
    const others = ["USD", "EUR", "JPY"].filter((c) => c !== HOME[s.accountId]);
    return { ...s, currency: s.currencyPick < 18 ? HOME[s.accountId]! : others[s.currencyPick - 18]! };
  });

/** Decimal string of `minor` in a currency with `digits` digits (independent of src/domain/money.ts). */
function decimal(minor: bigint, digits: number, trimZero: boolean): string {
  const negative = minor < 0n;
  let text = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  if (trimZero && digits > 0 && text.endsWith("0")) text = text.slice(0, -1);
  return negative ? `-${text}` : text;
}

/** RFC 3339 text of the instant 2026-11-25T00:<minute×10>:00Z, written in one of three offsets. */
function timestamp(minute: number, offset: Spec["offset"]): string {
  const mm = String(minute * 10).padStart(2, "0");
  if (offset === "Z") return `2026-11-25T00:${mm}:00Z`;
  if (offset === "+01:00") return `2026-11-25T01:${mm}:00+01:00`;
  return `2026-11-24T19:${mm}:00-05:00`;
}

function toWire(s: Spec, acc: ModelAccount): WireFacts {
  const digits = DIGITS[s.currency]!;
  let minor = s.amount;
  if (s.amountMode === "huge") {
    // Only large balances (±) and large credits, so that no subset of the buckets can overflow.
    minor = s.kind === "eod" ? (s.amount < 0n ? -HUGE : HUGE) : HUGE;
  } else if (s.amountMode === "engine_close" && s.kind === "eod" && acc.eod !== null) {
    minor = acc.eod.balance + sum(intraday(acc).filter((t) => t.bookingDate <= s.date).map((t) => t.delta));
  }
  const eventType = s.kind === "txn" && s.amountMode === "huge" ? "TRANSACTION_CREATED" : s.eventType;
  const wire: Record<string, unknown> = s.kind === "eod"
    ? { type: "EOD_BALANCE", messageId: s.messageId, accountId: s.accountId, facilityId: `f-${s.accountId}`,
        balance: decimal(minor, digits, s.trimZero), currency: s.currency, asOfDate: s.date, timestamp: timestamp(s.minute, s.offset) }
    : { type: "TRANSACTION", messageId: s.messageId, accountId: s.accountId, eventType, transactionId: s.transactionId,
        amount: decimal(minor, digits, s.trimZero), currency: s.currency, bookingDate: s.date, timestamp: timestamp(s.minute, s.offset) };
  const amountField = s.kind === "eod" ? "balance" : "amount";
  let invalid: string | null = null;
  switch (s.corruption) {
    case "none": break;
    case "not_json": return { text: JSON.stringify(wire).slice(0, -1), minor, eventType, invalid: "invalid_json" };
    case "missing_field": delete wire.messageId; invalid = "invalid_schema"; break;
    case "unknown_event_type":
      if (s.kind === "txn") { wire.eventType = "TRANSACTION_UPDATED"; invalid = "unknown_event_type"; }
      else { wire.type = "EOD"; invalid = "invalid_schema"; }
      break;
    case "amount_number": wire[amountField] = Number(minor); invalid = "invalid_amount"; break;
    case "amount_grammar": wire[amountField] = `+${decimal(minor < 0n ? -minor : minor, digits, false)}`; invalid = "invalid_amount"; break;
    case "too_many_digits": wire[amountField] = `${decimal(minor, digits, false)}${digits === 0 ? ".5" : "5"}`; invalid = "invalid_amount"; break;
    case "bad_date": wire[s.kind === "eod" ? "asOfDate" : "bookingDate"] = "2026-02-30"; invalid = "invalid_date"; break;
    case "bad_timestamp": wire.timestamp = "2026-11-25T00:00:00"; invalid = "invalid_date"; break;
    case "unknown_currency": wire.currency = "XYZ"; invalid = "unknown_currency"; break;
    case "out_of_range": wire[amountField] = digits === 0 ? "9007199254740992" : "90071992547409.92"; invalid = "out_of_range"; break;
  }
  return { text: JSON.stringify(wire), minor, eventType, invalid };
}

// ---- the property ---------------------------------------------------------------------------------

const thresholds = alertThresholdsFor("10000.00")!;

function engineFigures(state: AccountState | undefined) {
  if (state === undefined) return { currency: null, version: 0, eodDate: null, intraday: 0n, current: 0n };
  return {
    currency: state.currency,
    version: state.version,
    eodDate: state.eod?.date ?? null,
    intraday: BigInt(state.intradayTotalMinor),
    current: BigInt(state.eod?.balanceMinor ?? 0) + BigInt(state.intradayTotalMinor),
  };
}

function modelFigures(acc: ModelAccount) {
  const total = sum(intraday(acc).map((t) => t.delta));
  return {
    currency: acc.currency,
    version: acc.version,
    eodDate: acc.eod?.date ?? null,
    intraday: total,
    current: (acc.eod?.balance ?? 0n) + total,
  };
}

describe("the account actor agrees with a naive model of the contract", () => {
  test("random sequences of EODs, fixes, transactions, duplicates and invalid messages over 3 accounts and 5 days", () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 60, size: "max" }), (specs) => {
        const states = new Map<string, AccountState>();
        const model = new Map<string, ModelAccount>(ACCOUNTS.map((id) => [id, { currency: null, eod: null, txns: [], version: 0 }]));
        specs.forEach((s, step) => {
          const acc = model.get(s.accountId)!;
          const wire = toWire(s, acc);
          const expected = modelStep(acc, { ...s, eventType: wire.eventType }, wire);

          const validated = validateText(wire.text);
          let actual: Expected;
          if (!validated.ok) {
            actual = { outcome: "dead_lettered", reason: validated.reason, effects: ["dead_letter"] };
          } else {
            const id = validated.message.accountId;
            const state = states.get(id) ?? newAccountState(id);
            states.set(id, state);
            const decision = applyMessage(state, validated.message, { nowMs: 1_000 + step, alertThresholds: thresholds, facilityLimitMinor: Number(FACILITY) });
            if (decision.outcome === "needs_facility") throw new Error("facility was given");
            actual = { outcome: decision.outcome, effects: decision.effects.map((e) => e.kind) };
            if (decision.reason !== undefined) actual.reason = decision.reason;
          }
          expect({ step, wire: wire.text, ...actual }).toEqual({ step, wire: wire.text, ...expected });

          for (const id of ACCOUNTS) {
            const mine = modelFigures(model.get(id)!);
            expect({ step, id, ...engineFigures(states.get(id)) }).toEqual({ step, id, ...mine });
            const state = states.get(id);
            const view = state === undefined ? null : balanceViewOf(state);
            const m = model.get(id)!;
            if (m.eod === null) {
              expect(view).toBeNull();
            } else {
              const digits = DIGITS[m.currency!]!;
              expect(view).toMatchObject({
                currentBalance: decimal(mine.current, digits, false),
                availableBalance: decimal(FACILITY + mine.current, digits, false),
                eodBalance: decimal(m.eod.balance, digits, false),
                version: m.version,
              });
            }
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
