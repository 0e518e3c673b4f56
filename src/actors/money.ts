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

/** Parses a decimal string into integer minor units of a currency with `minorDigits` digits. */
export function parseAmount(text: unknown, minorDigits: number): ParsedAmount {
  if (typeof text !== "string") return { ok: false, reason: "invalid_amount" };
  const match = DECIMAL.exec(text);
  if (match === null) return { ok: false, reason: "invalid_amount" };
  const [, sign, whole = "0", fraction = ""] = match;
  if (fraction.length > minorDigits) return { ok: false, reason: "invalid_amount" };
  const digits = (whole + fraction.padEnd(minorDigits, "0")).replace(/^0+(?=\d)/, "");
  if (!digitsWithinMax(digits)) return { ok: false, reason: "out_of_range" };
  const magnitude = Number(digits); // exact: at most 2^53 − 1
  return { ok: true, minor: sign === "-" && magnitude !== 0 ? -magnitude : magnitude };
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
