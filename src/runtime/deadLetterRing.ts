/**
 * The in-memory DLQ: the most recent dead letters, bounded by count and by payload size (in
 * characters, about bytes for JSON text; one HTTP body may be 16 MiB); past either bound the
 * oldest letter goes, and `onEvict` counts it.
 */
import { BoundedRing } from "../lib/boundedRing.ts";
import type { DeadLetter } from "./deadLetter.ts";

export class DeadLetterRing {
  private readonly ring: BoundedRing<DeadLetter>;
  private bytes = 0;

  constructor(
    readonly capacity: number,
    readonly bytesMax: number,
    private readonly onEvict: () => void = () => {},
  ) {
    this.ring = new BoundedRing(capacity);
  }

  push(letter: DeadLetter): void {
    while (this.ring.length > 0 && (this.ring.isFull || this.bytes + letter.payload.length > this.bytesMax)) {
      this.bytes -= this.ring.shift()!.payload.length;
      this.onEvict();
    }
    this.ring.push(letter);
    this.bytes += letter.payload.length;
  }

  /** The `limit` most recent dead letters, newest first. */
  newest(limit: number): DeadLetter[] {
    const result: DeadLetter[] = [];
    for (let i = this.ring.length - 1; i >= 0 && result.length < limit; i--) result.push(this.ring.at(i));
    return result;
  }
}
