/**
 * What an identifier (messageId, accountId, facilityId, transactionId) may be: 1 to 128
 * characters of well-formed text with no NUL. Decided once, for every store: Postgres text cannot
 * hold NUL (it stopped every partition), and a lone UTF-16 surrogate is not text at all (two such
 * ids became one Redis field in UTF-8, and an account was lost after a restart). Such ids are
 * invalid input (`invalid_schema` on the message path, 400 on HTTP), never stored.
 */
import { Type } from "@sinclair/typebox";

export const ID_LENGTH_MAX = 128;

/** The same rule as `isIdentifier`, as a JSON-schema pattern for the HTTP and WebSocket boundaries. */
export const IDENTIFIER_PATTERN = "^(?:[^\\u0000\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])+$";

export const IdSchema = Type.String({
  minLength: 1, maxLength: ID_LENGTH_MAX, pattern: IDENTIFIER_PATTERN,
  description: `1 to ${ID_LENGTH_MAX} characters of well-formed text without NUL`,
});

/** Checked per message, so native calls rather than the pattern (about twice as fast here). */
export function isIdentifier(text: string): boolean {
  return text.length >= 1 && text.length <= ID_LENGTH_MAX && text.isWellFormed() && !text.includes("\0");
}
