import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { assertProperty } from "../support/seed.ts";
import { minorDigitsOf } from "../../src/domain/currency.ts";
import {
  addMinor, formatAmount, isDecimalString, isWithinRange, MINOR_MAX, parseAmount, thresholdMinor,
} from "../../src/domain/money.ts";

const USD = 2;
const JPY = 0;

describe("the decimal grammar ^-?(0|[1-9][0-9]*)(\\.[0-9]{1,D})?$", () => {
  test.each([
    ["1000.00", 100_000],
    ["-50.5", -5_050],
    ["0", 0],
    ["0.5", 50],
    ["-0", 0],
    ["0.05", 5],
    ["-0.05", -5],
    ["12", 1_200],
  ])("%p is a decimal string worth %p minor units in USD", (text, minor) => {
    expect(isDecimalString(text)).toBe(true);
    expect(parseAmount(text, USD)).toEqual({ ok: true, minor });
  });

  test.each(["+1", ".5", "1.", "007", "00", "-", "", "1e3", "1,000.00", "NaN", "Infinity", " 1", "1 ", "1.0.0", "--1", "0x10", "１"])(
    "%p is not a decimal string (invalid_amount)",
    (text) => {
      expect(isDecimalString(text)).toBe(false);
      expect(parseAmount(text, USD)).toEqual({ ok: false, reason: "invalid_amount" });
    },
  );

  test("an amount is never a JSON number: 100 is invalid_amount", () => {
    expect(isDecimalString(100)).toBe(false);
    expect(parseAmount(100, USD)).toEqual({ ok: false, reason: "invalid_amount" });
    expect(parseAmount(null, USD)).toEqual({ ok: false, reason: "invalid_amount" });
  });

  test("-0 parses to zero, not negative zero", () => {
    const parsed = parseAmount("-0.00", USD);
    expect(parsed.ok && Object.is(parsed.minor, 0)).toBe(true);
  });
});

describe("minor digits per currency", () => {
  test("the currency table: USD, EUR, GBP, CHF have 2 minor digits, JPY has 0", () => {
    expect(["USD", "EUR", "GBP", "CHF", "JPY"].map(minorDigitsOf)).toEqual([2, 2, 2, 2, 0]);
    expect(minorDigitsOf("XYZ")).toBeUndefined();
    expect(minorDigitsOf("toString")).toBeUndefined();
  });

  test("JPY has no fraction digits: 1.5 is invalid_amount, 1500 is 1500 minor units", () => {
    expect(parseAmount("1.5", JPY)).toEqual({ ok: false, reason: "invalid_amount" });
    expect(parseAmount("1.0", JPY)).toEqual({ ok: false, reason: "invalid_amount" });
    expect(parseAmount("1500", JPY)).toEqual({ ok: true, minor: 1500 });
  });

  test("USD allows at most 2 fraction digits: 1.234 is invalid_amount", () => {
    expect(parseAmount("1.234", USD)).toEqual({ ok: false, reason: "invalid_amount" });
    expect(parseAmount("1.230", USD)).toEqual({ ok: false, reason: "invalid_amount" });
  });
});

describe("range: every amount stays within ±(2^53 − 1) minor units", () => {
  test("MINOR_MAX is 2^53 − 1", () => {
    expect(MINOR_MAX).toBe(2 ** 53 - 1);
  });

  test("exactly ±(2^53 − 1) minor units is accepted: 90071992547409.91 USD", () => {
    expect(parseAmount("90071992547409.91", USD)).toEqual({ ok: true, minor: 9_007_199_254_740_991 });
    expect(parseAmount("-90071992547409.91", USD)).toEqual({ ok: true, minor: -9_007_199_254_740_991 });
    expect(parseAmount("9007199254740991", JPY)).toEqual({ ok: true, minor: 9_007_199_254_740_991 });
  });

  test("one minor unit beyond the edge is out_of_range, never rounded", () => {
    expect(parseAmount("90071992547409.92", USD)).toEqual({ ok: false, reason: "out_of_range" });
    expect(parseAmount("-90071992547409.92", USD)).toEqual({ ok: false, reason: "out_of_range" });
    expect(parseAmount("9007199254740992", JPY)).toEqual({ ok: false, reason: "out_of_range" });
    expect(parseAmount("90071992547410", USD)).toEqual({ ok: false, reason: "out_of_range" });
  });

  test("a far larger amount is out_of_range", () => {
    expect(parseAmount("1" + "0".repeat(29), USD)).toEqual({ ok: false, reason: "out_of_range" });
  });

  test("isWithinRange accepts safe integers only", () => {
    expect(isWithinRange(MINOR_MAX)).toBe(true);
    expect(isWithinRange(-MINOR_MAX)).toBe(true);
    expect(isWithinRange(MINOR_MAX + 1)).toBe(false);
    expect(isWithinRange(0.5)).toBe(false);
  });
});

describe("formatAmount gives exactly the currency's minor digits", () => {
  test.each([
    [115_000, USD, "1150.00"],
    [5, USD, "0.05"],
    [-5, USD, "-0.05"],
    [50, USD, "0.50"],
    [0, USD, "0.00"],
    [-5_050, USD, "-50.50"],
    [1500, JPY, "1500"],
    [-7, JPY, "-7"],
    [0, JPY, "0"],
    [MINOR_MAX, USD, "90071992547409.91"],
    [-MINOR_MAX, USD, "-90071992547409.91"],
  ])("%p minor units with %p digits reads %p", (minor, digits, text) => {
    expect(formatAmount(minor, digits)).toBe(text);
  });

  test("formatAmount refuses a float or an amount out of range (a broken invariant)", () => {
    expect(() => formatAmount(0.5, USD)).toThrow();
    expect(() => formatAmount(MINOR_MAX + 1, USD)).toThrow();
  });

  test("parsing what formatAmount wrote gives back the same minor units (USD and JPY)", () => {
    assertProperty(
      fc.property(fc.maxSafeInteger(), fc.constantFrom(USD, JPY), (minor, digits) => {
        expect(parseAmount(formatAmount(minor, digits), digits)).toEqual({ ok: true, minor: minor === 0 ? 0 : minor });
      }),
    );
  });
});

describe("addMinor is exact and refuses to leave the range", () => {
  test("a sum within range is exact", () => {
    expect(addMinor(MINOR_MAX - 1, 1)).toBe(MINOR_MAX);
    expect(addMinor(-MINOR_MAX + 1, -1)).toBe(-MINOR_MAX);
    expect(addMinor(MINOR_MAX, -MINOR_MAX)).toBe(0);
  });

  test("a sum beyond ±(2^53 − 1) is null", () => {
    expect(addMinor(MINOR_MAX, 1)).toBeNull();
    expect(addMinor(-MINOR_MAX, -1)).toBeNull();
    expect(addMinor(MINOR_MAX, MINOR_MAX)).toBeNull();
  });

  test("addMinor agrees with exact BigInt arithmetic", () => {
    assertProperty(
      fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (a, b) => {
        const exact = BigInt(a) + BigInt(b);
        const inRange = exact <= BigInt(MINOR_MAX) && exact >= -BigInt(MINOR_MAX);
        expect(addMinor(a, b)).toBe(inRange ? Number(exact) : null);
      }),
    );
  });
});

describe("thresholdMinor: the smallest minor amount at or above a major-unit threshold", () => {
  test("10000.00 is 1000000 cents in USD and 10000 yen in JPY", () => {
    expect(thresholdMinor("10000.00", USD)).toBe(1_000_000);
    expect(thresholdMinor("10000.00", JPY)).toBe(10_000);
  });

  test("a threshold finer than the currency rounds up", () => {
    expect(thresholdMinor("0.001", USD)).toBe(1);
    expect(thresholdMinor("9999.5", JPY)).toBe(10_000);
    expect(thresholdMinor("9999.000", JPY)).toBe(9_999);
  });

  test("a negative or malformed threshold is refused", () => {
    expect(thresholdMinor("-1", USD)).toBeNull();
    expect(thresholdMinor("1e3", USD)).toBeNull();
    expect(thresholdMinor("90071992547409.92", USD)).toBeNull();
  });
});
