/**
 * The account actor against the reference model (referenceModel.ts, written from the contract
 * alone): random sequences of EODs, fixes, transactions, duplicates, invalid messages and facility
 * changes over five accounts (one per currency of the table: USD, EUR, GBP, CHF, JPY), five days,
 * instants to the nanosecond in three offsets, amounts up to ±(2^53 − 1) and facilities that are
 * small, zero, huge or unknown. After every step both sides must agree on the outcome, the reason,
 * the warning and every effect with its values (alert fields, the mismatch's two figures), on each
 * account's figures (buckets one by one, limit, version, time) and on the size of the dedupe window
 * (one business day of ids at most). A coverage check at the end shows that the runs reached every
 * rule, so that a passing run means something.
 *
 * Holds are 0 throughout: nothing places one until the transfer API exists (contract section 7).
 *
 * Replay a failure with the SEED (and SEED_PATH) it prints; PATHS=1 prints how often each rule was reached.
 *
 * Mutations tried (each made by hand in src, the tests of test/actors and test/engine run, then
 * reverted; issue 16). Every one fails this test; those marked * fail no other test:
 *   applyMessage  currency_mismatch check removed · duplicate by messageId removed · duplicate by
 *                 transactionId removed · a transaction's messageId not remembered · older EOD by
 *                 date removed · same-day timestamp `<= 0` made `< 0` · before_eod `<=` made `<` ·
 *                 the bucket range check removed * · the intraday total range check removed ·
 *                 the transaction's current/available check not called · the EOD's kept-buckets
 *                 range check removed * · the EOD's current/available check removed · eod_fix
 *                 removed · eod_mismatch never raised · eod_mismatch's engineCloseMinor replaced
 *                 by the EOD balance · the facility_not_found copy removed · closed buckets kept
 *                 (`<=` made `<`) · EOD ids never forgotten · transaction ids never forgotten ·
 *                 version not incremented
 *   figuresInRange the available-balance check removed · the current-balance check removed
 *   highValueAlert threshold `<` made `<=` · alerts for TRANSACTION_REMOVED · atMs taken from the
 *                 message's timestamp instead of the context
 *   applyFacilityLimit the range check removed · "unchanged" removed · version not incremented ·
 *                 another facility not skipped
 *   calendar      compareInstants ignores the fraction of a second
 *   money         addMinor's range check removed
 *   currency      JPY given 2 minor digits · GBP removed from the table
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { dedupeWindowSize, newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyFacilityLimit } from "../../src/domain/account/applyFacilityLimit.ts";
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { balanceViewOf } from "../../src/domain/account/balanceView.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { validateText } from "../../src/domain/account/validateMessage.ts";
import { assertProperty } from "../support/seed.ts";
import {
  CURRENCIES, DIGITS, MAX, decimal, engineClose, modelApply, modelFacilityChange, modelFigures, needsFacility,
  newModelAccount, type ModelAccount, type ModelMessage, type Path,
} from "./referenceModel.ts";

const ACCOUNTS = ["A", "B", "C", "D", "E"] as const;
const HOME: Record<string, string> = { A: "USD", B: "EUR", C: "GBP", D: "CHF", E: "JPY" };
const DAYS = ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"];
const HUGE = 5_404_319_552_844_595n; // 0.6 × (2^53 − 1): one fits, two do not
const FACILITY_IDS = ["f-small", "f-zero", "f-huge", "f-none"] as const;
/** The facility table at the start of each run; f-none is unknown until a change creates it. */
const FACILITY_TABLE: ReadonlyArray<[string, bigint]> = [["f-small", 500_000n], ["f-zero", 0n], ["f-huge", HUGE]];

// ---- generated steps ---------------------------------------------------------------------------

type Corruption =
  | "none" | "not_json" | "missing_field" | "unknown_event_type" | "amount_number" | "amount_grammar"
  | "too_many_digits" | "bad_date" | "bad_timestamp" | "unknown_currency" | "out_of_range";

interface MessageSpec {
  kind: "eod" | "txn";
  accountId: string;
  currencyPick: number; // < 20: the account's home currency; else another one of the table
  messageId: string;
  transactionId: string;
  eventType: "TRANSACTION_CREATED" | "TRANSACTION_REMOVED";
  facilityId: string;
  date: string;
  minute: number;
  nanos: number;
  fractionDigits: number;
  offset: "Z" | "+01:00" | "-05:00";
  amount: bigint;
  amountMode: "small" | "huge" | "max" | "engine_close";
  trimZero: boolean;
  corruption: Corruption;
}

interface FacilitySpec { kind: "facility"; facilityId: string; limit: bigint }

type Spec = MessageSpec | FacilitySpec;

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 40, arbitrary: fc.constant<Corruption>("none") },
  { weight: 2, arbitrary: fc.constantFrom<Corruption>(
    "not_json", "missing_field", "unknown_event_type", "amount_number", "amount_grammar", "too_many_digits",
    "bad_date", "bad_timestamp", "unknown_currency", "out_of_range",
  ) },
);

const messageSpec: fc.Arbitrary<MessageSpec> = fc.record({
  kind: fc.oneof({ weight: 1, arbitrary: fc.constant("eod" as const) }, { weight: 2, arbitrary: fc.constant("txn" as const) }),
  accountId: fc.constantFrom(...ACCOUNTS),
  currencyPick: fc.nat(21),
  messageId: fc.nat(24).map((n) => `m${n}`),
  transactionId: fc.nat(7).map((n) => `t${n}`),
  eventType: fc.oneof(
    { weight: 3, arbitrary: fc.constant("TRANSACTION_CREATED" as const) },
    { weight: 1, arbitrary: fc.constant("TRANSACTION_REMOVED" as const) },
  ),
  facilityId: fc.constantFrom(...FACILITY_IDS),
  date: fc.constantFrom(...DAYS),
  minute: fc.nat(3),
  // Sub-second instants: a fix 1 ns later is later; 0.5 s written as .5 or .500 is the same instant.
  nanos: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.constantFrom(1, 1_000_000, 500_000_000, 999_999_999) },
  ),
  fractionDigits: fc.nat(9),
  offset: fc.constantFrom("Z" as const, "+01:00" as const, "-05:00" as const),
  amount: fc.oneof(
    { weight: 4, arbitrary: fc.bigInt({ min: -20_000n, max: 20_000n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -1_500_000n, max: 1_500_000n }) },
    { weight: 1, arbitrary: fc.constantFrom(1_000_000n, -1_000_000n, 999_999n, 10_000n, -10_000n, 9_999n) }, // alert edges
  ),
  amountMode: fc.oneof(
    { weight: 16, arbitrary: fc.constant("small" as const) },
    { weight: 4, arbitrary: fc.constant("huge" as const) },
    { weight: 1, arbitrary: fc.constant("max" as const) },
    { weight: 3, arbitrary: fc.constant("engine_close" as const) },
  ),
  trimZero: fc.boolean(),
  corruption,
});

const facilitySpec: fc.Arbitrary<FacilitySpec> = fc.record({
  kind: fc.constant("facility" as const),
  facilityId: fc.constantFrom(...FACILITY_IDS),
  limit: fc.constantFrom(0n, 123_456n, 500_000n, HUGE, MAX),
});

/** A plain, valid transaction of `accountId` in its home currency. */
const plainTxn = (accountId: string, id: number, date: string, amount: bigint): MessageSpec => ({
  kind: "txn", accountId, currencyPick: 0, messageId: `x${id}`, transactionId: `x${id}`, eventType: "TRANSACTION_CREATED",
  facilityId: "f-small", date, minute: 0, nanos: 0, fractionDigits: 0, offset: "Z", amount, amountMode: "small",
  trimZero: false, corruption: "none",
});

/**
 * Sequences random steps rarely produce, written out so that every run meets them:
 * one day's bucket leaving the range while the intraday total stays in it (+H, −H on another
 * day, +H again), and closed days that sum beyond the range while the close itself fits.
 */
const plainEod = (accountId: string, id: number, date: string, balance: bigint, amountMode: MessageSpec["amountMode"] = "small"): MessageSpec =>
  ({ ...plainTxn(accountId, id, date, balance), kind: "eod", minute: 3, nanos: 999_999_999, amountMode });

const template: fc.Arbitrary<Spec[]> = fc.record({ accountId: fc.constantFrom(...ACCOUNTS), id: fc.nat(1_000_000), shape: fc.nat(2) })
  .map(({ accountId, id, shape }) => [
    // One day's bucket: +H, then −H on another day, then +H again (total H, bucket 2H).
    [plainTxn(accountId, id, DAYS[3]!, HUGE), plainTxn(accountId, id + 1, DAYS[4]!, -HUGE), plainTxn(accountId, id + 2, DAYS[3]!, HUGE)],
    // Days that close at 2H from an EOD of −H: the close H fits, the closed days alone do not.
    [
      plainEod(accountId, id, DAYS[1]!, -HUGE), plainTxn(accountId, id + 1, DAYS[2]!, HUGE),
      plainTxn(accountId, id + 2, DAYS[4]!, -HUGE), plainTxn(accountId, id + 3, DAYS[3]!, HUGE),
      plainEod(accountId, id + 4, DAYS[3]!, 0n, "engine_close"),
    ],
    // Days kept after an EOD that sum to 2H while the intraday total is H.
    [
      plainTxn(accountId, id, DAYS[3]!, HUGE), plainTxn(accountId, id + 1, DAYS[2]!, -HUGE),
      plainTxn(accountId, id + 2, DAYS[4]!, HUGE), plainEod(accountId, id + 3, DAYS[2]!, 0n),
    ],
  ][shape]!);

const steps: fc.Arbitrary<Spec[]> = fc
  .array(fc.oneof(
    { weight: 30, arbitrary: messageSpec.map((s): Spec[] => [s]) },
    { weight: 2, arbitrary: facilitySpec.map((s): Spec[] => [s]) },
    { weight: 1, arbitrary: template },
  ), { minLength: 1, maxLength: 60, size: "max" })
  .map((chunks) => chunks.flat());

interface WireFacts { text: string; message: ModelMessage; invalid: string | null }

/** RFC 3339 text of the instant 2026-11-25T00:<minute×10>:00 + nanos, in one of three offsets. */
function timestamp(s: MessageSpec): string {
  const mm = String(s.minute * 10).padStart(2, "0");
  const digits = String(s.nanos).padStart(9, "0");
  const shortest = digits.replace(/0+$/, "");
  const fraction = digits.slice(0, Math.max(shortest.length, s.fractionDigits));
  const seconds = fraction === "" ? "00" : `00.${fraction}`;
  if (s.offset === "Z") return `2026-11-25T00:${mm}:${seconds}Z`;
  if (s.offset === "+01:00") return `2026-11-25T01:${mm}:${seconds}+01:00`;
  return `2026-11-24T19:${mm}:${seconds}-05:00`;
}

const instantOf = (s: MessageSpec) => BigInt(s.minute) * 600_000_000_000n + BigInt(s.nanos);

function toWire(s: MessageSpec, acc: ModelAccount): WireFacts {
  const others = CURRENCIES.filter((c) => c !== HOME[s.accountId]);
  const currency = s.currencyPick < 20 ? HOME[s.accountId]! : others[s.currencyPick - 20]!;
  const digits = DIGITS[currency]!;
  let minor = s.amount;
  if (s.amountMode === "huge") minor = s.amount < 0n ? -HUGE : HUGE;
  if (s.amountMode === "max") minor = s.amount < 0n ? -MAX : MAX;
  if (s.amountMode === "engine_close" && s.kind === "eod") minor = engineClose(acc, s.date) ?? s.amount;
  const wire: Record<string, unknown> = s.kind === "eod"
    ? { type: "EOD_BALANCE", messageId: s.messageId, accountId: s.accountId, facilityId: s.facilityId,
        balance: decimal(minor, digits, s.trimZero), currency, asOfDate: s.date, timestamp: timestamp(s) }
    : { type: "TRANSACTION", messageId: s.messageId, accountId: s.accountId, eventType: s.eventType, transactionId: s.transactionId,
        amount: decimal(minor, digits, s.trimZero), currency, bookingDate: s.date, timestamp: timestamp(s) };
  const message: ModelMessage = s.kind === "eod"
    ? { kind: "eod", messageId: s.messageId, accountId: s.accountId, facilityId: s.facilityId, balance: minor, currency, date: s.date, instant: instantOf(s) }
    : { kind: "txn", messageId: s.messageId, accountId: s.accountId, transactionId: s.transactionId, eventType: s.eventType,
        amount: minor, currency, date: s.date, instant: instantOf(s) };
  const amountField = s.kind === "eod" ? "balance" : "amount";
  // An amount in the grammar but beyond ±(2^53 − 1) (an engine close of huge days) is out_of_range.
  let invalid: string | null = minor > MAX || minor < -MAX ? "out_of_range" : null;
  switch (s.corruption) {
    case "none": break;
    case "not_json": return { text: JSON.stringify(wire).slice(0, -1), message, invalid: "invalid_json" };
    case "missing_field": delete wire.messageId; invalid = "invalid_schema"; break;
    case "unknown_event_type":
      if (s.kind === "txn") { wire.eventType = "TRANSACTION_UPDATED"; invalid = "unknown_event_type"; }
      else { wire.type = "EOD"; invalid = "invalid_schema"; }
      break;
    case "amount_number": wire[amountField] = Number(minor); invalid = "invalid_amount"; break;
    case "amount_grammar": wire[amountField] = `+${decimal(minor < 0n ? -minor : minor, digits)}`; invalid = "invalid_amount"; break;
    case "too_many_digits": wire[amountField] = `${decimal(minor, digits)}${digits === 0 ? ".5" : "5"}`; invalid = "invalid_amount"; break;
    case "bad_date": wire[s.kind === "eod" ? "asOfDate" : "bookingDate"] = "2026-02-30"; invalid = "invalid_date"; break;
    case "bad_timestamp": wire.timestamp = "2026-11-25T00:00:00"; invalid = "invalid_date"; break;
    case "unknown_currency": wire.currency = "XYZ"; invalid = "unknown_currency"; break;
    case "out_of_range": wire[amountField] = digits === 0 ? "9007199254740992" : "90071992547409.92"; invalid = "out_of_range"; break;
  }
  return { text: JSON.stringify(wire), message, invalid };
}

// ---- the property ---------------------------------------------------------------------------------

const thresholds = alertThresholdsFor("10000.00")!;

function engineFigures(state: AccountState | undefined) {
  if (state === undefined) return modelFigures(newModelAccount("none"));
  return {
    currency: state.currency,
    version: state.version,
    updatedAtMs: state.updatedAtMs,
    eodDate: state.eod?.date ?? null,
    limit: state.facilityLimitMinor === null ? null : BigInt(state.facilityLimitMinor),
    buckets: [...state.buckets].map(([day, total]) => [day, BigInt(total)] as [string, bigint]).sort(([a], [b]) => a.localeCompare(b)),
    intraday: BigInt(state.intradayTotalMinor),
    current: BigInt(state.eod?.balanceMinor ?? 0) + BigInt(state.intradayTotalMinor),
    rememberedIds: dedupeWindowSize(state),
  };
}

/** Every rule the runs must reach at least once (see the model's paths). */
const REQUIRED_PATHS: Path[] = [
  "invalid", "currency_mismatch", "duplicate:message_id", "duplicate:transaction_id",
  "ignored_older:earlier_day", "ignored_older:same_instant", "ignored_older:earlier_instant",
  "ignored_older:earlier_instant:subsecond", "before_eod",
  "out_of_range:bucket_only", "out_of_range:total_only", "out_of_range:current_only", "out_of_range:available_only",
  "out_of_range:eod_kept", "out_of_range:eod_current", "out_of_range:eod_available",
  "applied:eod", "applied:eod_fix", "applied:eod_fix:subsecond", "applied:eod_mismatch", "applied:eod_matches_close", "applied:facility_not_found",
  "applied:txn", "applied:alert",
  "facility:applied", "facility:unchanged", "facility:out_of_range", "facility:not_using_facility",
];

describe("the account actor agrees with a naive model of the contract", () => {
  test("random sequences of EODs, fixes, transactions, duplicates, invalid messages and facility changes over 5 currencies and 5 days", () => {
    const reached = new Map<Path, number>();
    const reach = (path: Path) => reached.set(path, (reached.get(path) ?? 0) + 1);
    assertProperty(
      fc.property(steps, (specs) => {
        const states = new Map<string, AccountState>();
        const model = new Map<string, ModelAccount>(ACCOUNTS.map((id) => [id, newModelAccount(id)]));
        const facilities = new Map<string, bigint>(FACILITY_TABLE);
        specs.forEach((s, step) => {
          const nowMs = 1_000 + step;
          if (s.kind === "facility") {
            facilities.set(s.facilityId, s.limit);
            for (const [id, state] of states) {
              const expected = modelFacilityChange(model.get(id)!, s.facilityId, s.limit, nowMs);
              reach(`facility:${expected}`);
              const actual = applyFacilityLimit(state, s.facilityId, Number(s.limit), nowMs);
              expect<unknown>({ step, id, facility: s, outcome: actual }).toEqual({ step, id, facility: s, outcome: expected });
            }
          } else {
            runMessage(s, step, nowMs, states, model, facilities, reach);
          }
          for (const id of ACCOUNTS) checkAccount(step, id, states.get(id), model.get(id)!);
        });
      }),
      // 1000 runs: the rarest required path (an out-of-range total) comes about 5 times in 300, so
      // 300 missed it about once in a hundred runs; 1000 miss it about once in ten million.
      { numRuns: 1000 },
    );
    if (process.env.PATHS === "1") console.log(Object.fromEntries([...reached].sort()));
    const missing = REQUIRED_PATHS.filter((path) => !reached.has(path));
    expect({ missing }).toEqual({ missing: [] });
  });
});

function runMessage(
  s: MessageSpec, step: number, nowMs: number, states: Map<string, AccountState>, model: Map<string, ModelAccount>,
  facilities: Map<string, bigint>, reach: (path: Path) => void,
): void {
  const acc = model.get(s.accountId)!;
  const wire = toWire(s, acc);
  const validated = validateText(wire.text);
  if (wire.invalid !== null) {
    reach("invalid");
    expect({ step, wire: wire.text, verdict: validated }).toMatchObject({ step, wire: wire.text, verdict: { ok: false, reason: wire.invalid } });
    return;
  }
  if (!validated.ok) throw new Error(`step ${step}: valid wire ${wire.text} was refused: ${validated.reason}`);
  const state = states.get(s.accountId) ?? newAccountState(s.accountId);
  states.set(s.accountId, state);

  // First without the facility: an EOD that passes rules 1–3 asks for it and changes nothing.
  const lookup = needsFacility(acc, wire.message);
  const before = engineFigures(state);
  const first = applyMessage(state, validated.message, { nowMs, alertThresholds: thresholds });
  const limit = wire.message.kind === "eod" ? (facilities.get(wire.message.facilityId) ?? null) : null;
  const [expected, path] = modelApply(acc, wire.message, limit, nowMs);
  reach(path);
  let decision = first;
  if (lookup) {
    expect({ step, wire: wire.text, first, figures: engineFigures(state) })
      .toEqual({ step, wire: wire.text, first: { outcome: "needs_facility", facilityId: s.facilityId }, figures: before });
    decision = applyMessage(state, validated.message, { nowMs, alertThresholds: thresholds, facilityLimitMinor: limit === null ? null : Number(limit) });
  }
  expect<unknown>({ step, wire: wire.text, decision }).toEqual({ step, wire: wire.text, decision: expected });
}

function checkAccount(step: number, id: string, state: AccountState | undefined, acc: ModelAccount): void {
  const mine = modelFigures(acc);
  expect({ step, id, ...engineFigures(state) }).toEqual({ step, id, ...mine });
  const view = state === undefined ? null : balanceViewOf(state);
  if (acc.eod === null) {
    expect({ step, id, view }).toEqual({ step, id, view: null });
    return;
  }
  const digits = DIGITS[acc.currency!]!;
  expect({ step, id, view }).toMatchObject({
    step, id,
    view: {
      currency: acc.currency!,
      eodBalance: decimal(acc.eod.balance, digits),
      intradayTotal: decimal(mine.intraday, digits),
      currentBalance: decimal(mine.current, digits),
      facilityLimit: acc.limit === null ? null : decimal(acc.limit, digits),
      facilityLimitKnown: acc.limit !== null,
      availableBalance: acc.limit === null ? null : decimal(acc.limit + mine.current, digits),
      holds: decimal(0n, digits),
      version: acc.version,
      updatedAt: new Date(acc.updatedAtMs).toISOString(),
    },
  });
}
