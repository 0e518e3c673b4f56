/**
 * The in-memory DLQ: the most recent dead letters, bounded by count and by payload size (in
 * characters, about bytes for JSON text; one HTTP body may be 16 MiB); past either bound the
 * oldest letter goes, and `onEvict` counts it.
 *
 * Each letter gets a sequence number as it arrives (1, 2, 3, … for the life of the process), so
 * that a reader can page through them, newest first, with a cursor that stays valid while new
 * letters arrive and old ones go. A page is bounded twice: by count, and by the bytes of the
 * payloads it shows (a page of 1,000 letters of 16 MiB each would otherwise be 16 GiB).
 */
import { BoundedRing } from "../lib/boundedRing.ts";
import type { DeadLetterReason } from "../domain/reasons.ts";
import type { DeadLetter, ListedDeadLetter } from "./deadLetter.ts";
import type { DeadLetterPage, DeadLetterPageQuery } from "./ports.ts";

interface Stored {
  readonly sequence: number;
  readonly letter: DeadLetter;
  /** The payload's UTF-8 size, measured the first time a page shows it (not on the hot path). */
  payloadBytes: number | null;
}

export class DeadLetterRing {
  private readonly ring: BoundedRing<Stored>;
  private characters = 0;
  private sequence = 0;

  constructor(
    readonly capacity: number,
    readonly bytesMax: number,
    private readonly onEvict: () => void = () => {},
  ) {
    this.ring = new BoundedRing(capacity);
  }

  push(letter: DeadLetter): void {
    while (this.ring.length > 0 && (this.ring.isFull || this.characters + letter.payload.length > this.bytesMax)) {
      this.characters -= this.ring.shift()!.letter.payload.length;
      this.onEvict();
    }
    this.sequence += 1;
    this.ring.push({ sequence: this.sequence, letter, payloadBytes: null });
    this.characters += letter.payload.length;
  }

  /**
   * The letters older than `before` (all when absent) with the given reason (any when absent),
   * newest first: at most `limit`, and payloads of at most `payloadBytesMax` in all, each cut to
   * `letterPayloadBytesMax` (marked, with its full size). `nextCursor` is set when more match.
   */
  page(query: DeadLetterPageQuery): DeadLetterPage {
    const items: ListedDeadLetter[] = [];
    let bytesLeft = query.payloadBytesMax;
    let index = this.newestIndexBefore(query.before);
    for (; index >= 0; index--) {
      const stored = this.ring.at(index);
      if (!matches(stored, query.reason)) continue;
      if (items.length === query.limit) break;
      const listed = listedOf(stored, query.letterPayloadBytesMax);
      // The first letter always fits (it is cut to letterPayloadBytesMax, below the page's bound).
      if (items.length > 0 && shownBytes(listed) > bytesLeft) break;
      items.push(listed);
      bytesLeft -= shownBytes(listed);
    }
    const more = index >= 0 && this.anyMatchAtOrBelow(index, query.reason);
    return { items, nextCursor: more ? String(items[items.length - 1]!.sequence) : null };
  }

  /** The index of the newest letter whose sequence is below `before`; sequences grow with the index. */
  private newestIndexBefore(before: number | undefined): number {
    let high = this.ring.length - 1;
    if (before === undefined || high < 0 || this.ring.at(high).sequence < before) return high;
    let low = 0;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.ring.at(middle).sequence < before) low = middle + 1;
      else high = middle - 1;
    }
    return high;
  }

  private anyMatchAtOrBelow(index: number, reason: DeadLetterReason | undefined): boolean {
    for (let i = index; i >= 0; i--) if (matches(this.ring.at(i), reason)) return true;
    return false;
  }
}

function matches(stored: Stored, reason: DeadLetterReason | undefined): boolean {
  return reason === undefined || stored.letter.reason === reason;
}

const encoder = new TextEncoder();

/** The letter as a page shows it: its payload cut at `bytesMax` UTF-8 bytes, never inside a character. */
function listedOf(stored: Stored, bytesMax: number): ListedDeadLetter {
  const payload = stored.letter.payload;
  stored.payloadBytes ??= Buffer.byteLength(payload, "utf8");
  const listed = { sequence: stored.sequence, ...stored.letter, payloadBytes: stored.payloadBytes, payloadTruncated: false };
  if (stored.payloadBytes <= bytesMax) return listed;
  const { read } = encoder.encodeInto(payload, new Uint8Array(bytesMax));
  return { ...listed, payload: payload.slice(0, read), payloadTruncated: true };
}

function shownBytes(listed: ListedDeadLetter): number {
  return listed.payloadTruncated ? Buffer.byteLength(listed.payload, "utf8") : listed.payloadBytes;
}
