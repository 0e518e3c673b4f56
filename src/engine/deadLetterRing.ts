/**
 * The in-memory DLQ: the most recent dead letters, bounded by count and by payload size (in
 * characters, about bytes for JSON text; one HTTP body may be 16 MiB); past either bound the
 * oldest letter goes, and `onEvict` counts it.
 */
import type { DeadLetter } from "./deadLetter.ts";

export class DeadLetterRing {
  private readonly items: (DeadLetter | undefined)[];
  private start = 0;
  private size = 0;
  private bytes = 0;

  constructor(
    readonly capacity: number,
    readonly bytesMax: number,
    private readonly onEvict: () => void = () => {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error("invariant: DLQ capacity must be >= 1");
    this.items = new Array(capacity);
  }

  push(letter: DeadLetter): void {
    while (this.size > 0 && (this.size === this.capacity || this.bytes + letter.payload.length > this.bytesMax)) {
      this.evictOldest();
    }
    this.items[(this.start + this.size) % this.capacity] = letter;
    this.size += 1;
    this.bytes += letter.payload.length;
  }

  /** The `limit` most recent dead letters, newest first. */
  newest(limit: number): DeadLetter[] {
    const result: DeadLetter[] = [];
    for (let i = this.size - 1; i >= 0 && result.length < limit; i--) {
      result.push(this.items[(this.start + i) % this.capacity]!);
    }
    return result;
  }

  private evictOldest(): void {
    const oldest = this.items[this.start]!;
    this.items[this.start] = undefined;
    this.bytes -= oldest.payload.length;
    this.start = (this.start + 1) % this.capacity;
    this.size -= 1;
    this.onEvict();
  }
}
