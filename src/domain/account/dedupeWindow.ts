/**
 * The dedupe window of one account (rule 2): the ids it remembers, in one compact exact
 * structure. Three Maps of strings cost several KB per account (measured: 5.2 KB per recovered
 * account with 21 ids) and grew per message; here the ids' UTF-16 code units sit one after the
 * other in one typed array, each entry is two 32-bit words, and an open-addressing table of
 * entry numbers finds them. A hit is confirmed by comparing the id's characters: detection stays
 * exact (a hash only narrows the search, it never decides).
 *
 * Three namespaces, as the contract has them: message ids (of transactions and EODs), and the
 * transaction ids of each event type. Each entry keeps its date: the booking date, or for an
 * EOD's message id its asOfDate (EOD ids outlive their day by one EOD, see `forgetClosedDays`).
 *
 * The layout depends only on the entries and their order (capacities are a function of the
 * sizes), so a window decoded from a snapshot equals the one encoded.
 */

/** What an entry is: its namespace follows (both message kinds share one). */
export const WindowKind = { transactionMessage: 0, eodMessage: 1, created: 2, removed: 3 } as const;
export type WindowKind = (typeof WindowKind)[keyof typeof WindowKind];

/** The namespaces looked up: a message id, or a transaction id of one event type. */
export const WindowNamespace = { message: 0, created: 1, removed: 2 } as const;
export type WindowNamespace = (typeof WindowNamespace)[keyof typeof WindowNamespace];

/** A point in a window's history (`mark`), for `partsSince`. */
export interface WindowMark {
  readonly rebuilds: number;
  readonly entries: number;
  readonly chars: number;
}

/** JSON pieces of the window's parts (see `partsJson`). */
export interface WindowParts {
  readonly ids: string;
  readonly words: string;
  readonly dates: string;
}

/** One remembered id, as encoded and listed. */
export interface WindowEntry {
  readonly kind: WindowKind;
  readonly id: string;
  readonly date: string;
}

const CHARS_MIN = 64;
const ENTRIES_MIN = 8;
const LENGTH_BITS = 8;
const KIND_SHIFT = LENGTH_BITS;
const DATE_SHIFT = LENGTH_BITS + 2;
/** Ids are 1 to 128 characters (identifier.ts); 8 bits hold the length. */
const ID_LENGTH_MAX = (1 << LENGTH_BITS) - 1;

const namespaceOf = (kind: number): number => (kind === 0 ? 0 : kind - 1);

/** The namespace an entry of `kind` is looked up in. */
export function windowNamespaceOf(kind: WindowKind): WindowNamespace {
  return namespaceOf(kind) as WindowNamespace;
}

/** The smallest power of two ≥ `needed`, at least `min`: the same sizes whatever the history. */
function capacityFor(needed: number, min: number): number {
  let capacity = min;
  while (capacity < needed) capacity *= 2;
  return capacity;
}

export class DedupeWindow {
  /**
   * One array, so that a lookup touches one object and one block of memory (an account's
   * state is spread over several objects, and at 100k accounts each one is a cache miss):
   * [slots: entry number + 1 (0: empty), at most half full]
   * [entries: offset in the characters, length | kind << 8 | date index << 10, the id's hash]
   * [characters: the ids' UTF-16 code units, two per word, one id after the other].
   * The hash is kept so that a probe compares characters only when the hashes agree, and a
   * growth re-indexes without reading the ids again.
   */
  private data = new Uint32Array(wordsFor(ENTRIES_MIN, CHARS_MIN));
  private entriesCapacity = ENTRIES_MIN;
  private charsCapacity = CHARS_MIN;
  /** The distinct dates of the entries, in order of first use. */
  private dates: string[] = [];
  /** The date of the last entry added (the next one usually has the same). */
  private lastDateIndex = -1;
  private count = 0;
  private charsUsed = 0;
  /**
   * `partsJson` as the last snapshot wrote it, covering `#jsonEntries` entries: the
   * next snapshot escapes only the ids added since (a busy account's window is KBs, written
   * every second). Private, not part of the window's value.
   */
  #idsJson = "";
  #wordsJson = "";
  #jsonEntries = 0;
  #jsonChars = 0;
  /** Times the window started again (forgetClosedDays): entries before a mark are unchanged while this is. */
  #rebuilds = 0;

  get size(): number {
    return this.count;
  }

  /** Where the window stands now, to ask later for what was added since (`partsSince`). */
  mark(): WindowMark {
    return { rebuilds: this.#rebuilds, entries: this.count, chars: this.charsUsed };
  }

  /**
   * The parts' JSON added since `mark` (a snapshot that appends to the one it wrote): the ids'
   * escaped text to go at the end of the ids string, the words to go at the end of the words list
   * (led by a comma unless it was empty), and the dates whole. Null when the window started again
   * since the mark: only a whole write is right then.
   */
  partsSince(mark: WindowMark): WindowParts | null {
    if (mark.rebuilds !== this.#rebuilds || mark.entries > this.count || mark.chars > this.charsUsed) return null;
    let words = "";
    for (let entry = mark.entries; entry < this.count; entry++) words += `${entry === 0 ? "" : ","}${this.wordOf(entry)}`;
    return { ids: JSON.stringify(this.charsBetween(mark.chars, this.charsUsed)).slice(1, -1), words, dates: JSON.stringify(this.dates) };
  }

  has(namespace: WindowNamespace, id: string): boolean {
    return this.find(namespace, id, hashOfRemembered(namespace, id)) >= 0;
  }

  /** Remembers `id`; the caller has checked it is not there yet (`has`). */
  add(kind: WindowKind, id: string, date: string): void {
    if (id.length === 0 || id.length > ID_LENGTH_MAX) throw new RangeError(`dedupe window: an id of ${id.length} characters`);
    this.reserve(this.count + 1, this.charsUsed + id.length);
    const entry = this.count;
    const at = this.entryAt(entry);
    const hash = hashOfRemembered(namespaceOf(kind), id);
    this.data[at] = this.charsUsed;
    this.data[at + 1] = id.length | (kind << KIND_SHIFT) | (this.dateIndexOf(date) << DATE_SHIFT);
    this.data[at + 2] = hash;
    const chars = this.entriesCapacity * (SLOT_WORDS + ENTRY_WORDS);
    for (let i = 0; i < id.length; i++) {
      const char = this.charsUsed + i;
      const word = chars + (char >>> 1);
      this.data[word] = (char & 1) === 0 ? id.charCodeAt(i) : this.data[word]! | (id.charCodeAt(i) << 16);
    }
    this.charsUsed += id.length;
    this.count += 1;
    this.index(entry, hash);
  }

  /**
   * An EOD for `date` closes every day up to it: transaction ids booked up to it are forgotten
   * (rule 4 rejects such transactions from now on), and the ids of EODs of earlier days.
   */
  forgetClosedDays(date: string): void {
    const kept = this.list().filter((entry) => (entry.kind === WindowKind.eodMessage ? entry.date >= date : entry.date > date));
    if (kept.length !== this.count) this.rebuild(kept);
  }

  /** The id of the last EOD message of `date` (the applied EOD's, see balanceExplanation), or null. */
  lastEodMessageIdOf(date: string): string | null {
    for (let entry = this.count - 1; entry >= 0; entry--) {
      const word = this.wordOf(entry);
      if (((word >>> KIND_SHIFT) & 3) === WindowKind.eodMessage && this.dates[word >>> DATE_SHIFT] === date) return this.idAt(entry);
    }
    return null;
  }

  /** Every entry, oldest first. */
  list(): WindowEntry[] {
    const listed: WindowEntry[] = [];
    for (let entry = 0; entry < this.count; entry++) {
      const word = this.wordOf(entry);
      listed.push({ kind: ((word >>> KIND_SHIFT) & 3) as WindowKind, id: this.idAt(entry), date: this.dates[word >>> DATE_SHIFT]! });
    }
    return listed;
  }

  /**
   * The window as three plain values for a snapshot: the ids joined into one string (one
   * string to write and read, not one per id), per entry length | kind << 8 | date index << 10,
   * the dates.
   */
  toParts(): [ids: string, words: number[], dates: string[]] {
    const words: number[] = new Array(this.count);
    for (let entry = 0; entry < this.count; entry++) words[entry] = this.wordOf(entry);
    return [this.charsBetween(0, this.charsUsed), words, [...this.dates]];
  }

  /**
   * `toParts` as JSON pieces (the ids' escaped text without quotes, the words without brackets,
   * the dates), kept from one snapshot to the next: only what was added since is escaped.
   * Escaping whole ids piece by piece gives the text of escaping them at once.
   */
  partsJson(): WindowParts {
    if (this.#jsonEntries !== this.count) {
      // Never null: a rebuild starts the kept text again.
      const added = this.partsSince({ rebuilds: this.#rebuilds, entries: this.#jsonEntries, chars: this.#jsonChars })!;
      this.#idsJson += added.ids;
      this.#wordsJson += added.words;
      this.#jsonEntries = this.count;
      this.#jsonChars = this.charsUsed;
    }
    return { ids: this.#idsJson, words: this.#wordsJson, dates: JSON.stringify(this.dates) };
  }

  /** The window `toParts` gave; a string naming the problem when the parts are not one. */
  static fromParts(ids: unknown, words: unknown, dates: unknown): DedupeWindow | string {
    if (typeof ids !== "string" || !Array.isArray(words) || !Array.isArray(dates)) return "the dedupe window is not [string, number[], string[]]";
    if (!dates.every((date) => typeof date === "string")) return "a dedupe window date is not a string";
    const window = new DedupeWindow();
    // Sized once (the sizes growth would reach): a recovery decodes a million windows.
    if (words.length > 0 && words.length < 2 ** 24 && ids.length < 2 ** 28) window.reserve(words.length, ids.length);
    let offset = 0;
    for (const word of words) {
      if (!Number.isInteger(word) || word < 0 || word > 0xffffffff) return "a dedupe window entry is not a 32-bit word";
      const length = word & ID_LENGTH_MAX;
      const date = dates[word >>> DATE_SHIFT] as string | undefined;
      if (length === 0 || offset + length > ids.length || date === undefined) return "a dedupe window entry is out of its parts";
      const kind = ((word >>> KIND_SHIFT) & 3) as WindowKind;
      const id = ids.slice(offset, offset + length);
      if (window.has(windowNamespaceOf(kind), id)) return `the dedupe window holds ${id} twice`;
      window.add(kind, id, date);
      offset += length;
    }
    if (offset !== ids.length) return "the dedupe window's ids are longer than its entries";
    return window;
  }

  /** The date's index, added when new; a window holds a few distinct dates (the days not closed yet). */
  private dateIndexOf(date: string): number {
    if (this.lastDateIndex >= 0 && this.dates[this.lastDateIndex] === date) return this.lastDateIndex;
    let index = this.dates.indexOf(date);
    if (index < 0) index = this.dates.push(date) - 1;
    this.lastDateIndex = index;
    return index;
  }

  /** Where an entry's words start. */
  private entryAt(entry: number): number {
    return this.entriesCapacity * SLOT_WORDS + entry * ENTRY_WORDS;
  }

  private wordOf(entry: number): number {
    return this.data[this.entryAt(entry) + 1]!;
  }

  private charAt(char: number): number {
    const word = this.data[this.entriesCapacity * (SLOT_WORDS + ENTRY_WORDS) + (char >>> 1)]!;
    return (char & 1) === 0 ? word & 0xffff : word >>> 16;
  }

  private idAt(entry: number): string {
    const offset = this.data[this.entryAt(entry)]!;
    return this.charsBetween(offset, offset + (this.wordOf(entry) & ID_LENGTH_MAX));
  }

  /**
   * The characters between two offsets as a string: copied out first (a view on `data.buffer`
   * would make the engine materialize the array's buffer: 4% of the kafka-ingest profile).
   */
  private charsBetween(from: number, to: number): string {
    const chars = new Uint16Array(to - from);
    for (let i = 0; i < chars.length; i++) chars[i] = this.charAt(from + i);
    return UTF16.decode(chars);
  }

  private find(namespace: number, id: string, hash: number): number {
    const mask = this.entriesCapacity * SLOT_WORDS - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = this.data[slot]! - 1;
      if (held < 0) return -1;
      if (this.data[this.entryAt(held) + 2] === hash && this.isEntry(held, namespace, id)) return held;
    }
  }

  /** Compared from the last character: ids of one source tend to share their beginning. */
  private isEntry(entry: number, namespace: number, id: string): boolean {
    const word = this.wordOf(entry);
    if ((word & ID_LENGTH_MAX) !== id.length || namespaceOf((word >>> KIND_SHIFT) & 3) !== namespace) return false;
    const offset = this.data[this.entryAt(entry)]!;
    for (let i = id.length - 1; i >= 0; i--) if (this.charAt(offset + i) !== id.charCodeAt(i)) return false;
    return true;
  }

  private index(entry: number, hash: number): void {
    const mask = this.entriesCapacity * SLOT_WORDS - 1;
    let slot = hash & mask;
    while (this.data[slot] !== 0) slot = (slot + 1) & mask;
    this.data[slot] = entry + 1;
  }

  /** Grows the array to fit `entries` entries and `chars` characters: a new layout, the table rebuilt. */
  private reserve(entries: number, chars: number): void {
    if (entries <= this.entriesCapacity && chars <= this.charsCapacity) return;
    const old = this.data;
    const oldEntries = this.entriesCapacity * SLOT_WORDS;
    const oldChars = this.entriesCapacity * (SLOT_WORDS + ENTRY_WORDS);
    this.entriesCapacity = capacityFor(entries, this.entriesCapacity);
    this.charsCapacity = capacityFor(chars, this.charsCapacity);
    this.data = new Uint32Array(wordsFor(this.entriesCapacity, this.charsCapacity));
    const newEntries = this.entriesCapacity * SLOT_WORDS;
    const newChars = this.entriesCapacity * (SLOT_WORDS + ENTRY_WORDS);
    for (let i = 0; i < this.count * ENTRY_WORDS; i++) this.data[newEntries + i] = old[oldEntries + i]!;
    for (let i = 0; i < (this.charsUsed + 1) >>> 1; i++) this.data[newChars + i] = old[oldChars + i]!;
    for (let entry = 0; entry < this.count; entry++) this.index(entry, this.data[this.entryAt(entry) + 2]!);
  }

  /** Starts again from `kept`, with the sizes a window built from them alone would have. */
  private rebuild(kept: readonly WindowEntry[]): void {
    this.data = new Uint32Array(wordsFor(ENTRIES_MIN, CHARS_MIN));
    this.entriesCapacity = ENTRIES_MIN;
    this.charsCapacity = CHARS_MIN;
    this.dates = [];
    this.lastDateIndex = -1;
    this.count = 0;
    this.charsUsed = 0;
    this.#idsJson = "";
    this.#wordsJson = "";
    this.#jsonEntries = 0;
    this.#jsonChars = 0;
    this.#rebuilds += 1;
    for (const entry of kept) this.add(entry.kind, entry.id, entry.date);
  }
}

/** Words per entry capacity: two slots of the table, and the entry's three words. */
const SLOT_WORDS = 2;
const ENTRY_WORDS = 3;

/** Words of the one array: the table, the entries, the characters (two per word). */
function wordsFor(entriesCapacity: number, charsCapacity: number): number {
  return entriesCapacity * (SLOT_WORDS + ENTRY_WORDS) + charsCapacity / 2;
}


/** Keeps a leading U+FEFF: it is part of an id, not a byte order mark. */
const UTF16 = new TextDecoder("utf-16le", { ignoreBOM: true });

/**
 * `hashOf`, remembering the last two ids hashed (by any window: the hash depends only on the
 * id): a message asks `has` for its ids, then `add`s them, which would hash each twice (about
 * 60 ns an id of 30 characters). Module-wide, so that it holds two strings, not two per account.
 */
const hashedIds = ["", ""];
const hashedNamespaces = [-1, -1];
const hashes = [0, 0];

function hashOfRemembered(namespace: number, id: string): number {
  if (hashedIds[0] === id && hashedNamespaces[0] === namespace) return hashes[0]!;
  if (hashedIds[1] === id && hashedNamespaces[1] === namespace) return hashes[1]!;
  const hash = hashOf(namespace, id);
  hashedIds[1] = hashedIds[0]!;
  hashedNamespaces[1] = hashedNamespaces[0]!;
  hashes[1] = hashes[0]!;
  hashedIds[0] = id;
  hashedNamespaces[0] = namespace;
  hashes[0] = hash;
  return hash;
}

/** FNV-1a over the id's code units, seeded by the namespace. */
function hashOf(namespace: number, id: string): number {
  let hash = 0x811c9dc5 ^ namespace;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
