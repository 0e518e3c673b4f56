/**
 * ISO 4217 currencies the engine accepts, with their minor digits.
 * Extend the table to accept another currency; nothing else needs to change.
 */
export const CURRENCY_MINOR_DIGITS: Readonly<Record<string, number>> = Object.freeze({
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  JPY: 0,
});

export function minorDigitsOf(currency: string): number | undefined {
  return Object.hasOwn(CURRENCY_MINOR_DIGITS, currency) ? CURRENCY_MINOR_DIGITS[currency] : undefined;
}
