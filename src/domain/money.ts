/**
 * Money: decimal strings on the wire, integer minor units inside. Nothing else in the
 * engine parses or formats amounts, and nothing ever uses a float for money.
 */

/** Every amount and total stays within ±MINOR_MAX minor units (2^53 − 1, exact in a JS number). */
export const MINOR_MAX = Number.MAX_SAFE_INTEGER;
const MINOR_MAX_DIGITS = String(MINOR_MAX);

// The contract's grammar with any number of fraction digits; the digit count is checked per currency.
const DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export type ParsedAmount =
  | { ok: true; minor: number }
  | { ok: false; reason: "invalid_amount" | "out_of_range" };

/** True when `text` follows the decimal grammar, whatever the currency (any length: too many digits is out_of_range). */
export function isDecimalString(text: unknown): text is string {
  return typeof text === "string" && DECIMAL.test(text);
}

/**
 * Parses a decimal string into integer minor units of a currency with `minorDigits` digits.
 * Hand-written (one pass over the characters): it runs for every message.
 */
export function parseAmount(text: unknown, minorDigits: number): ParsedAmount {
  if (typeof text !== "string") return INVALID_AMOUNT;
  const length = text.length;
  let i = text.charCodeAt(0) === MINUS ? 1 : 0;
  const wholeStart = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  const wholeDigits = i - wholeStart;
  if (wholeDigits === 0 || (wholeDigits > 1 && text.charCodeAt(wholeStart) === ZERO)) return INVALID_AMOUNT;
  let fractionDigits = 0;
  if (i < length) {
    if (text.charCodeAt(i) !== DOT) return INVALID_AMOUNT;
    const fractionStart = ++i;
    while (i < length && isDigit(text.charCodeAt(i))) i++;
    fractionDigits = i - fractionStart;
    if (fractionDigits === 0 || i < length) return INVALID_AMOUNT;
  }
  if (fractionDigits > minorDigits) return INVALID_AMOUNT;
  // Up to 15 significant digits a double holds exactly; longer ones go through the string check.
  if (wholeDigits + minorDigits > 15) return parseLongAmount(text, wholeStart, wholeDigits, fractionDigits, minorDigits);
  let minor = 0;
  for (let j = wholeStart; j < length; j++) {
    const code = text.charCodeAt(j);
    if (code !== DOT) minor = minor * 10 + (code - ZERO);
  }
  for (let k = fractionDigits; k < minorDigits; k++) minor *= 10;
  return { ok: true, minor: wholeStart === 1 && minor !== 0 ? -minor : minor };
}

const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const INVALID_AMOUNT: ParsedAmount = Object.freeze({ ok: false, reason: "invalid_amount" });

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The rare long amount: compare its digits with 2^53 − 1 as text, then convert exactly. */
function parseLongAmount(text: string, wholeStart: number, wholeDigits: number, fractionDigits: number, minorDigits: number): ParsedAmount {
  const whole = text.slice(wholeStart, wholeStart + wholeDigits);
  const fraction = fractionDigits === 0 ? "" : text.slice(wholeStart + wholeDigits + 1);
  const digits = (whole + fraction.padEnd(minorDigits, "0")).replace(/^0+(?=\d)/, "");
  if (!digitsWithinMax(digits)) return { ok: false, reason: "out_of_range" };
  const magnitude = Number(digits);
  return { ok: true, minor: wholeStart === 1 && magnitude !== 0 ? -magnitude : magnitude };
}

function digitsWithinMax(digits: string): boolean {
  if (digits.length !== MINOR_MAX_DIGITS.length) return digits.length < MINOR_MAX_DIGITS.length;
  return digits <= MINOR_MAX_DIGITS;
}

/** Formats minor units with exactly `minorDigits` fraction digits: 115000, 2 → "1150.00". */
export function formatAmount(minor: number, minorDigits: number): string {
  assertMinor(minor);
  const negative = minor < 0;
  const digits = String(negative ? -minor : minor).padStart(minorDigits + 1, "0");
  const whole = digits.slice(0, digits.length - minorDigits);
  const text = minorDigits === 0 ? whole : `${whole}.${digits.slice(digits.length - minorDigits)}`;
  return negative ? `-${text}` : text;
}

/** Exact sum, or null when it would leave ±MINOR_MAX. */
export function addMinor(a: number, b: number): number | null {
  const sum = a + b;
  // Both inputs are within range, so the float sum is exact whenever it is within range.
  return sum > MINOR_MAX || sum < -MINOR_MAX ? null : sum;
}

/**
 * Exact sum of many amounts, or null when the sum leaves ±MINOR_MAX. Partial sums may pass the
 * range on the way (+H, +H, −H), so it adds in BigInt; used on rare paths (an EOD), not per message.
 */
export function sumMinor(values: Iterable<number>): number | null {
  let sum = 0n;
  for (const value of values) sum += BigInt(value);
  return sum > BigInt(MINOR_MAX) || sum < -BigInt(MINOR_MAX) ? null : Number(sum);
}

export function isWithinRange(minor: number): boolean {
  return Number.isSafeInteger(minor);
}

/** A broken invariant, not bad input: fail loudly. */
export function assertMinor(minor: number): void {
  if (!Number.isSafeInteger(minor)) throw new Error(`invariant: ${minor} is not an integer amount in range`);
}

/**
 * The smallest minor-unit amount at or above a major-unit threshold ("10000.00") in a currency
 * with `minorDigits` digits. Used to compare alert thresholds across currencies exactly.
 */
export function thresholdMinor(threshold: string, minorDigits: number): number | null {
  const match = DECIMAL.exec(threshold);
  if (match === null || match[1] === "-") return null;
  const [, , whole = "0", fraction = ""] = match;
  const kept = fraction.slice(0, minorDigits).padEnd(minorDigits, "0");
  const roundUp = /[1-9]/.test(fraction.slice(minorDigits)) ? 1 : 0;
  const digits = (whole + kept).replace(/^0+(?=\d)/, "");
  if (!digitsWithinMax(digits)) return null;
  return addMinor(Number(digits), roundUp);
}
