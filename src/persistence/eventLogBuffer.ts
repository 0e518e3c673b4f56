/**
 * A bounded FIFO for the event log: O(1) push on the engine's hot path, and batches read from the
 * front and removed only once they are stored, so a failed insert keeps its rows in place.
 */
export class EventLogBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error("invariant: event log buffer capacity must be >= 1");
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Appends `item`, or returns false (and keeps nothing) when the buffer is full. */
  push(item: T): boolean {
    if (this.size === this.capacity) return false;
    this.items[(this.start + this.size) % this.capacity] = item;
    this.size += 1;
    return true;
  }

  /** The first `count` items (fewer if there are fewer), oldest first, still in the buffer. */
  peek(count: number): T[] {
    const taken = Math.min(count, this.size);
    const batch: T[] = new Array(taken);
    for (let i = 0; i < taken; i++) batch[i] = this.items[(this.start + i) % this.capacity]!;
    return batch;
  }

  /** Removes the first `count` items, which `peek` returned. */
  remove(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0 || count > this.size) {
      throw new Error(`invariant: cannot remove ${count} of ${this.size} buffered events`);
    }
    for (let i = 0; i < count; i++) this.items[(this.start + i) % this.capacity] = undefined;
    this.start = (this.start + count) % this.capacity;
    this.size -= count;
  }
}
