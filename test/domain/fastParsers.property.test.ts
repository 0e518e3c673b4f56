/** The hand-written parsers agree with independent references on random input. */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { assertProperty } from "../support/seed.ts";
import { compareInstants, isCalendarDate, parseInstant } from "../../src/domain/calendar.ts";
import { MINOR_MAX, parseAmount } from "../../src/domain/money.ts";

const pad = (n: number, width: number) => String(n).padStart(width, "0");

test("a UTC timestamp parses to the same instant as Date.parse, to the millisecond", () => {
  assertProperty(fc.property(
    fc.integer({ min: 100, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }),
    fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 999 }),
    (y, mo, d, h, mi, s, fractionDigits, ms) => {
      const fraction = fractionDigits === 0 ? "" : `.${pad(ms, 3).slice(0, fractionDigits)}`;
      const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${fraction}Z`;
      const reference = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
      const realDay = reference.getUTCDate() === d;
      const instant = parseInstant(text);
      expect(instant !== null).toBe(realDay);
      expect(isCalendarDate(text.slice(0, 10))).toBe(realDay);
      if (instant === null) return;
      expect(instant.epochSeconds * 1000 + Math.floor(instant.nanos / 1e6)).toBe(Date.parse(text));
    },
  ), { numRuns: 2000 });
});

test("the same instant written with an offset compares equal to its UTC form", () => {
  assertProperty(fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (oh, om) => {
    const utc = parseInstant("2026-11-22T12:00:00.5Z")!;
    const shifted = new Date(Date.UTC(2026, 10, 22, 12, 0, 0) + (oh * 60 + om) * 60_000);
    const local = `${shifted.toISOString().slice(0, 19)}.5+${pad(oh, 2)}:${pad(om, 2)}`;
    expect(compareInstants(parseInstant(local)!, utc)).toBe(0);
  }));
});

test("parseAmount agrees with an exact BigInt reference on random decimal strings", () => {
  const reference = (text: string, minorDigits: number): string => {
    const match = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(text);
    if (match === null) return "invalid_amount";
    const [, sign, whole, fraction = ""] = match;
    if (fraction.length > minorDigits) return "invalid_amount";
    const magnitude = BigInt(whole! + fraction.padEnd(minorDigits, "0"));
    if (magnitude > BigInt(MINOR_MAX)) return "out_of_range";
    return String(sign === "-" ? -magnitude : magnitude);
  };
  const decimal = fc.tuple(
    fc.constantFrom("", "-", "+"), fc.stringMatching(/^[0-9]{0,20}$/), fc.option(fc.stringMatching(/^[0-9]{0,4}$/)),
  ).map(([sign, whole, fraction]) => `${sign}${whole}${fraction === null ? "" : `.${fraction}`}`);
  assertProperty(fc.property(decimal, fc.constantFrom(0, 2), (text, minorDigits) => {
    const parsed = parseAmount(text, minorDigits);
    const actual = parsed.ok ? String(parsed.minor === 0 ? 0 : parsed.minor) : parsed.reason;
    expect(actual).toBe(reference(text, minorDigits).replace(/^-0$/, "0"));
  }), { numRuns: 5000 });
});
