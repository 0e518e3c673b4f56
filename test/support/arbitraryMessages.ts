/**
 * Arbitrary input for the "never crashes" tests: any JSON value, any text, and, most of the time,
 * messages that are nearly valid (one or more fields replaced by any JSON value, removed, or set
 * to an edge: amounts near ±(2^53 − 1), impossible dates, ids that are Object.prototype's names)
 * so that the input reaches the transition, not only the validator.
 */
import fc from "fast-check";

const ACCOUNTS = ["A1", "A2", "A3", "__proto__", "constructor"];
const FACILITIES = ["F-known", "F-huge", "F-max", "F-unknown", "toString"];

const id = fc.oneof(
  { weight: 12, arbitrary: fc.nat(30).map((n) => `i${n}`) },
  { weight: 2, arbitrary: fc.constantFrom("hasOwnProperty", "__proto__", "constructor", "") },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

/** Decimal strings of any size (most in the grammar, some beyond the range or with many digits). */
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^-?(0|[1-9][0-9]{0,5})(\.[0-9]{2})?$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,3})?$/) },
  { weight: 2, arbitrary: fc.constantFrom("90071992547409.91", "-90071992547409.91", "90071992547409.92", "9007199254740991", "45035996273704.96", "0", "-0", "0.00") },
  { weight: 1, arbitrary: fc.jsonValue() },
);

const goodId = fc.nat(12).map((n) => `i${n}`);
const goodAmount = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^-?(0|[1-9][0-9]{0,5})(\.[0-9]{2})?$/) },
  { weight: 2, arbitrary: fc.constantFrom("90071992547409.91", "-90071992547409.91", "45035996273704.96", "-45035996273704.96", "1000000.00") },
);
const goodDate = fc.constantFrom("2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23");
const goodInstant = fc.constantFrom("2026-11-22T00:05:00Z", "2026-11-22T00:05:00.000000001Z", "2026-11-22T01:05:00+01:00", "2026-11-23T09:00:00.5-05:00");

const date = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23") },
  { weight: 1, arbitrary: fc.constantFrom("2026-02-30", "0000-01-01", "9999-12-31", "2026-11-22T00:00:00Z", "") },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const instant = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("2026-11-22T00:05:00Z", "2026-11-22T00:05:00.000000001Z", "2026-11-22T01:05:00+01:00", "2026-11-22T00:05:60Z", "2026-11-23T09:00:00.5-05:00") },
  { weight: 1, arbitrary: fc.constantFrom("2026-11-22T00:05:00", "2026-13-01T00:00:00Z", "9999-12-31T23:59:59.999999999-23:59") },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/** Mostly the account's own currency (so that messages reach the transition), sometimes another. */
const HOME = new Map([["A1", "USD"], ["A2", "JPY"], ["A3", "EUR"], ["__proto__", "GBP"], ["constructor", "CHF"]]);
const currencyFor = (accountId: string) => fc.oneof(
  { weight: 12, arbitrary: fc.constant(HOME.get(accountId)!) },
  { weight: 2, arbitrary: fc.constantFrom("USD", "EUR", "GBP", "CHF", "JPY") },
  { weight: 1, arbitrary: fc.constantFrom("XYZ", "usd", "", "constructor", "__proto__") },
);

/** A message of `accountId` whose fields come from `pick` (edge values or only good ones). */
const shaped = (accountId: string, good: boolean) => {
  const pick = <T>(ok: fc.Arbitrary<T>, any: fc.Arbitrary<T>) => (good ? ok : any);
  const eventType = fc.constantFrom("TRANSACTION_CREATED", "TRANSACTION_REMOVED");
  return fc.oneof(
    fc.record({
      type: fc.constant("EOD_BALANCE"), messageId: pick(goodId, id), accountId: fc.constant(accountId), facilityId: fc.constantFrom(...FACILITIES),
      balance: pick(goodAmount, amount), currency: pick(fc.constant(HOME.get(accountId)!), currencyFor(accountId)),
      asOfDate: pick(goodDate, date), timestamp: pick(goodInstant, instant),
    }),
    fc.record({
      type: fc.constant("TRANSACTION"), messageId: pick(goodId, id), accountId: fc.constant(accountId),
      eventType: pick<unknown>(eventType, fc.oneof({ weight: 8, arbitrary: eventType }, { weight: 1, arbitrary: fc.jsonValue() })),
      transactionId: pick(goodId, id), amount: pick(goodAmount, amount), currency: pick(fc.constant(HOME.get(accountId)!), currencyFor(accountId)),
      bookingDate: pick(goodDate, date), timestamp: pick(goodInstant, instant),
    }),
  );
};

/** Valid messages (of every kind of edge amount): they reach the transition and build up state. */
const valid = fc.constantFrom(...ACCOUNTS).chain((accountId) => shaped(accountId, true));
const validShaped = fc.constantFrom(...ACCOUNTS).chain((accountId) => shaped(accountId, false));

/** A nearly valid message: some fields swapped for any JSON value, some removed, some added. */
const nearlyValid: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(validShaped, fc.oneof(
    { weight: 3, arbitrary: fc.constant([] as [string, number, fc.JsonValue][]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom("swap", "drop", "add"), fc.nat(12), fc.jsonValue()), { minLength: 1, maxLength: 2 }) },
  ))
  .map(([message, edits]) => {
    const out: Record<string, unknown> = { ...message };
    for (const [edit, index, value] of edits) {
      const keys = Object.keys(out);
      const key = keys[index % Math.max(keys.length, 1)] ?? "type";
      if (edit === "swap") out[key] = value;
      else if (edit === "drop") delete out[key];
      else out[`extra${index}`] = value;
    }
    return out;
  });

/** A parsed JSON value as an element of `POST /v1/events` would be. */
export const arbitraryValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: valid },
  { weight: 8, arbitrary: nearlyValid },
  { weight: 2, arbitrary: fc.jsonValue() },
);

/** Raw record bytes as Kafka would deliver them. */
export const arbitraryText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: valid.map((m) => JSON.stringify(m)) },
  { weight: 6, arbitrary: nearlyValid.map((m) => JSON.stringify(m)) },
  // The same text cut or with one character changed: almost JSON.
  { weight: 2, arbitrary: fc.tuple(nearlyValid, fc.nat(400), fc.string({ maxLength: 2 })).map(([m, at, s]) => {
    const text = JSON.stringify(m);
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + s + text.slice(cut + 1);
  }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "null", "[]", "{}", '{"__proto__":{"type":"TRANSACTION"}}', "\u0000", "1e309") },
);
