/**
 * A copy of `text` that does not pin the string it came from. Bun's engine (JSC) interns the
 * strings of up to 16 characters that JSON.parse returns (measured: parsing the same short ids a
 * second time takes no memory; 17+ characters do), and with about 15 million interned strings
 * alive the process stalls for minutes (measured: a restart decoding 700k accounts × 21 short ids
 * froze). An account's id is stored through this (the dedupe window keeps no strings: it copies
 * its ids' characters into its own array); longer ids are already ordinary strings and are kept
 * as they are. (Facility ids are few and shared.)
 */
const INTERNED_LENGTH_MAX = 16;

export function ownedString(text: string): string {
  if (text.length > INTERNED_LENGTH_MAX) return text;
  // A concatenation of two slices: used as a Map key it is flattened into a new string of its
  // own when hashed, and the slices (and the interned original) are let go. Cheaper in time and
  // memory than the alternatives tried (a slice of a padded copy, a Buffer round trip).
  return text.slice(0, -1) + text.slice(-1);
}
