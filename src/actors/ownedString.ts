/**
 * A copy of `text` that does not pin the string it came from. Short strings that JSON.parse
 * returns are special in Bun's engine (JSC interns them): with about 15 million of them alive the
 * process stalls for minutes (measured: a restart decoding 700k accounts × 21 ids of up to 16
 * characters froze; the same ids copied, or 20+ characters long, did not). Every id the engine
 * keeps for long, in a dedupe window or as an account's id, is stored as such a copy.
 */
export function ownedString(text: string): string {
  // A concatenation of two slices: used as a Map key, it is flattened into a new string of its
  // own when hashed, and the slices (and the original) are let go. Cheaper in time and memory
  // than the alternatives tried (a slice of a padded copy, a Buffer round trip).
  return text.slice(0, -1) + text.slice(-1);
}
