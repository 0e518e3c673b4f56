/**
 * CSV (RFC 4180), written once for every CSV the engine produces. A field with a comma, quote or
 * line break is quoted; text that a spreadsheet would run as a formula (=, +, -, @ first) gets a
 * leading apostrophe (OWASP's advice), since ids come from outside. Amounts are passed as `plain`:
 * a negative amount's minus is data, not a formula.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** A field of outside text (ids, codes). */
export function csvText(value: string): string {
  return csvPlain(FORMULA_START.test(value) ? `'${value}` : value);
}

/** A field the engine formatted itself (amounts, dates, instants): quoted if needed, never altered. */
export function csvPlain(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One line, CRLF-terminated as RFC 4180 has it. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.join(",")}\r\n`;
}
