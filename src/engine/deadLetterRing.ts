/** The in-memory DLQ: the most recent dead letters, bounded; the oldest is pushed out first. */
import type { DeadLetter } from "./deadLetter.ts";

export class DeadLetterRing {
  private readonly items: (DeadLetter | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number, private readonly onEvict: () => void = () => {}) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error("invariant: DLQ capacity must be >= 1");
    this.items = new Array(capacity);
  }

  push(letter: DeadLetter): void {
    if (this.size === this.capacity) this.onEvict();
    else this.size += 1;
    this.items[this.next] = letter;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The `limit` most recent dead letters, newest first. */
  newest(limit: number): DeadLetter[] {
    const count = Math.min(limit, this.size);
    const result: DeadLetter[] = [];
    for (let i = 1; i <= count; i++) {
      result.push(this.items[(this.next - i + this.capacity) % this.capacity]!);
    }
    return result;
  }
}
