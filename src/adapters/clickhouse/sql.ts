/**
 * The one place that turns values into ClickHouse SQL text. ClickHouse 18.16 has no server-side
 * query parameters ({name:Type} arrived in 19.x), so every literal in a query is built here, with
 * strict escaping, and nowhere else. Row data never goes through here: inserts send JSONEachRow.
 */

// Escapes inside a quoted string literal. Backslash and quote are what make a literal safe; the
// control characters are escaped too so that query text stays on one line in logs.
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\0": "\\0",
};
const STRING_ESCAPED = /[\\'\n\r\t\0]/g;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * A string literal: `it's` → `'it\'s'`. A lone UTF-16 surrogate (which UTF-8 cannot carry)
 * becomes U+FFFD, the same as `wellFormed` does to the values that are stored.
 */
export function quoteString(value: string): string {
  if (typeof value !== "string") throw new Error(`invariant: quoteString got ${typeof value}`);
  return `'${wellFormed(value).replace(STRING_ESCAPED, (c) => STRING_ESCAPES[c]!)}'`;
}

/** An integer literal; anything but a safe integer is a programmer error. */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`invariant: ${String(value)} is not a safe integer for SQL`);
  return String(value);
}

/**
 * A database or table name, from configuration. Only plain names are accepted (no quoting games),
 * and they are written in backquotes so that a keyword is still a name.
 */
export function quoteIdentifier(name: string): string {
  if (!isPlainIdentifier(name)) throw new Error(`invariant: ${JSON.stringify(name)} is not a plain identifier`);
  return `\`${name}\``;
}

export function isPlainIdentifier(name: unknown): name is string {
  return typeof name === "string" && IDENTIFIER.test(name);
}

/** The text with every lone surrogate replaced by U+FFFD: ClickHouse rejects them in JSON input. */
export function wellFormed(value: string): string {
  return value.isWellFormed() ? value : value.toWellFormed();
}
