import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { assertProperty } from "../support/seed.ts";
import { compareInstants, isCalendarDate, parseInstant } from "../../src/domain/calendar.ts";
import { INVALID_REASONS } from "../../src/domain/reasons.ts";
import { validateMessage, validateText } from "../../src/domain/account/validateMessage.ts";
import { eod, txn, type Wire } from "./builders.ts";

const reasonOf = (value: unknown) => {
  const validated = validateMessage(value);
  return validated.ok ? "valid" : validated.reason;
};

const without = (wire: Wire, field: string): Wire => {
  const { [field]: _dropped, ...rest } = wire;
  return rest;
};

describe("rule 1: invalid messages, one reason each", () => {
  test("invalid_json: text that is not JSON", () => {
    for (const text of ["{not json", "", "{\"type\":", "undefined", "NaN"]) {
      expect(validateText(text)).toMatchObject({ ok: false, reason: "invalid_json" });
    }
  });

  test("invalid_json: JSON that is not an object (array, string, number, null, boolean)", () => {
    for (const text of ["[]", "[{\"type\":\"EOD_BALANCE\"}]", "\"EOD_BALANCE\"", "42", "null", "true"]) {
      expect(validateText(text)).toMatchObject({ ok: false, reason: "invalid_json" });
    }
    expect(reasonOf([eod()])).toBe("invalid_json");
    expect(reasonOf(null)).toBe("invalid_json");
  });

  test("invalid_schema: any required field of an EOD missing", () => {
    for (const field of ["type", "messageId", "accountId", "facilityId", "currency", "asOfDate", "timestamp"]) {
      expect([field, reasonOf(without(eod(), field))]).toEqual([field, "invalid_schema"]);
    }
  });

  test("invalid_schema: any required field of a transaction missing", () => {
    for (const field of ["type", "messageId", "accountId", "eventType", "transactionId", "currency", "bookingDate", "timestamp"]) {
      expect([field, reasonOf(without(txn(), field))]).toEqual([field, "invalid_schema"]);
    }
  });

  test("invalid_schema: a field of the wrong type", () => {
    expect(reasonOf(eod({ messageId: 1 }))).toBe("invalid_schema");
    expect(reasonOf(eod({ accountId: null }))).toBe("invalid_schema");
    expect(reasonOf(eod({ asOfDate: 20261121 }))).toBe("invalid_schema");
    expect(reasonOf(txn({ currency: 840 }))).toBe("invalid_schema");
    expect(reasonOf(txn({ eventType: ["TRANSACTION_CREATED"] }))).toBe("invalid_schema");
    expect(reasonOf(txn({ timestamp: {} }))).toBe("invalid_schema");
  });

  test("invalid_schema: an unknown type", () => {
    expect(reasonOf(eod({ type: "BALANCE" }))).toBe("invalid_schema");
    expect(reasonOf(txn({ type: "transaction" }))).toBe("invalid_schema");
    expect(reasonOf({})).toBe("invalid_schema");
  });

  test("unknown_event_type: an eventType other than TRANSACTION_CREATED and TRANSACTION_REMOVED", () => {
    expect(reasonOf(txn({ eventType: "TRANSACTION_UPDATED" }))).toBe("unknown_event_type");
    expect(reasonOf(txn({ eventType: "transaction_created" }))).toBe("unknown_event_type");
    expect(reasonOf(txn({ eventType: "" }))).toBe("unknown_event_type");
  });

  test("invalid_amount: an amount or balance outside the decimal grammar", () => {
    for (const amount of ["+1", ".5", "1.", "007", "1e3", "1,000.00", "NaN", ""]) {
      expect([amount, reasonOf(txn({ amount }))]).toEqual([amount, "invalid_amount"]);
      expect([amount, reasonOf(eod({ balance: amount }))]).toEqual([amount, "invalid_amount"]);
    }
  });

  test("invalid_amount: a JSON number, even a whole one", () => {
    expect(reasonOf(txn({ amount: 100 }))).toBe("invalid_amount");
    expect(reasonOf(eod({ balance: 1000 }))).toBe("invalid_amount");
    expect(validateText('{"type":"TRANSACTION","messageId":"m","accountId":"a","eventType":"TRANSACTION_CREATED","transactionId":"t","amount":100,"currency":"USD","bookingDate":"2026-11-22","timestamp":"2026-11-22T09:30:00Z"}'))
      .toMatchObject({ ok: false, reason: "invalid_amount" });
  });

  test("invalid_amount: more fraction digits than the currency has", () => {
    expect(reasonOf(txn({ amount: "1.234" }))).toBe("invalid_amount");
    expect(reasonOf(txn({ amount: "1.5", currency: "JPY" }))).toBe("invalid_amount");
    expect(reasonOf(eod({ balance: "1000.001" }))).toBe("invalid_amount");
  });

  test("invalid_date: a date that is not a real calendar date", () => {
    for (const date of ["2026-02-30", "2026-13-01", "2026-00-10", "2026-04-31", "2025-02-29", "2026-1-05", "20261121", "2026-11-22T00:00:00Z"]) {
      expect([date, reasonOf(eod({ asOfDate: date }))]).toEqual([date, "invalid_date"]);
      expect([date, reasonOf(txn({ bookingDate: date }))]).toEqual([date, "invalid_date"]);
    }
  });

  test("invalid_date: a timestamp without an offset or not a real instant", () => {
    for (const timestamp of ["2026-11-22T00:00:00", "2026-11-22T25:00:00Z", "2026-11-22T10:60:00Z", "2026-02-30T10:00:00Z", "2026-11-22 10:00:00Z", "2026-11-22T10:00:00+2400", "yesterday"]) {
      expect([timestamp, reasonOf(eod({ timestamp }))]).toEqual([timestamp, "invalid_date"]);
      expect([timestamp, reasonOf(txn({ timestamp }))]).toEqual([timestamp, "invalid_date"]);
    }
  });

  test("unknown_currency: a currency not in the table", () => {
    expect(reasonOf(eod({ currency: "XYZ" }))).toBe("unknown_currency");
    expect(reasonOf(txn({ currency: "usd" }))).toBe("unknown_currency");
    expect(reasonOf(txn({ currency: "" }))).toBe("unknown_currency");
    expect(reasonOf(txn({ currency: "constructor" }))).toBe("unknown_currency");
  });

  test("out_of_range: an amount beyond ±(2^53 − 1) minor units", () => {
    expect(reasonOf(txn({ amount: "90071992547409.92" }))).toBe("out_of_range");
    expect(reasonOf(eod({ balance: "-90071992547409.92" }))).toBe("out_of_range");
    expect(reasonOf(txn({ amount: "9007199254740992", currency: "JPY" }))).toBe("out_of_range");
    expect(reasonOf(txn({ amount: "1" + "0".repeat(29) }))).toBe("out_of_range");
  });

  test("out_of_range: an amount of any length that follows the grammar, e.g. 100 digits, is out_of_range (not invalid_amount)", () => {
    expect(reasonOf(txn({ amount: "1" + "0".repeat(99) }))).toBe("out_of_range");
    expect(reasonOf(eod({ balance: "-" + "9".repeat(80) + ".99" }))).toBe("out_of_range");
  });

  test("an invalid message keeps its messageId and accountId so the DLQ can name it", () => {
    expect(validateMessage(txn({ messageId: "m-7", accountId: "42", amount: 5 }))).toEqual({
      ok: false, reason: "invalid_amount", messageId: "m-7", accountId: "42", type: "TRANSACTION",
    });
  });

  // The whole ingest path (engine and POST /v1/events) is fuzzed in test/engine/ingestNeverCrashes.property.test.ts.
  test("the validator gives every JSON value or text a verdict: valid, or invalid with one of the contract's reasons", () => {
    assertProperty(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ type: fc.constantFrom("EOD_BALANCE", "TRANSACTION") }, { requiredKeys: [] })), (value) => {
        const validated = validateMessage(value);
        expect(validated.ok || INVALID_REASONS.includes(validated.reason)).toBe(true);
      }),
    );
    assertProperty(
      fc.property(fc.string(), (text) => {
        const validated = validateText(text);
        expect(validated.ok || INVALID_REASONS.includes(validated.reason)).toBe(true);
      }),
    );
  });
});

describe("valid messages", () => {
  test("a valid EOD parses its balance to integer minor units", () => {
    const validated = validateMessage(eod({ messageId: "m-1", balance: "1000.00" }));
    expect(validated).toMatchObject({
      ok: true,
      message: { type: "EOD_BALANCE", messageId: "m-1", accountId: "123", facilityId: "456", balanceMinor: 100_000, currency: "USD", asOfDate: "2026-11-21" },
    });
  });

  test("a valid transaction parses its amount to integer minor units", () => {
    expect(validateMessage(txn({ amount: "-50.5" }))).toMatchObject({ ok: true, message: { amountMinor: -5_050, eventType: "TRANSACTION_CREATED" } });
    expect(validateMessage(txn({ amount: "1500", currency: "JPY" }))).toMatchObject({ ok: true, message: { amountMinor: 1_500 } });
    expect(validateMessage(txn({ eventType: "TRANSACTION_REMOVED", amount: "0" }))).toMatchObject({ ok: true, message: { amountMinor: 0, eventType: "TRANSACTION_REMOVED" } });
  });

  test("a valid message arriving as text validates the same", () => {
    const wire = txn({ amount: "12.34" });
    expect(validateText(JSON.stringify(wire))).toEqual(validateMessage(wire));
  });
});

describe("dates and timestamps", () => {
  test("leap years: 2024-02-29 and 2000-02-29 are dates, 2025-02-29 and 1900-02-29 are not", () => {
    expect(isCalendarDate("2024-02-29")).toBe(true);
    expect(isCalendarDate("2000-02-29")).toBe(true);
    expect(isCalendarDate("2025-02-29")).toBe(false);
    expect(isCalendarDate("1900-02-29")).toBe(false);
    expect(reasonOf(txn({ bookingDate: "2024-02-29" }))).toBe("valid");
    expect(reasonOf(txn({ bookingDate: "2025-02-29" }))).toBe("invalid_date");
  });

  test("timestamps with offsets compare as instants: 01:00+01:00 equals 00:00Z", () => {
    const plusOne = parseInstant("2026-11-22T01:00:00+01:00")!;
    const zulu = parseInstant("2026-11-22T00:00:00Z")!;
    expect(compareInstants(plusOne, zulu)).toBe(0);
    expect(compareInstants(parseInstant("2026-11-21T19:00:00-05:00")!, zulu)).toBe(0);
  });

  test("a later wall-clock time can be an earlier instant", () => {
    const later = parseInstant("2026-11-22T00:30:00+01:00")!; // 2026-11-21T23:30Z
    const earlier = parseInstant("2026-11-22T00:05:00Z")!;
    expect(compareInstants(later, earlier)).toBeLessThan(0);
  });

  test("fractions of a second count, to the nanosecond", () => {
    const a = parseInstant("2026-11-22T00:00:00.000000001Z")!;
    const b = parseInstant("2026-11-22T00:00:00Z")!;
    expect(compareInstants(a, b)).toBeGreaterThan(0);
    expect(compareInstants(parseInstant("2026-11-22T00:00:00.5Z")!, parseInstant("2026-11-22T00:00:00.500Z")!)).toBe(0);
  });

  test("an instant agrees with Date for ordinary timestamps", () => {
    const instant = parseInstant("2026-11-22T09:30:15+02:00")!;
    expect(instant.epochSeconds * 1000).toBe(Date.parse("2026-11-22T09:30:15+02:00"));
  });
});
