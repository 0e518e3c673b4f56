/**
 * A bounded FIFO: O(1) push, and items read from the front and removed only once the caller is
 * done with them (a failed send keeps its items in place). Full is a value, never growth.
 */
import { assert, assertPositiveInteger } from "./assert.ts";

export class BoundedRing<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    assertPositiveInteger("ring capacity", capacity);
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  get isFull(): boolean {
    return this.size === this.capacity;
  }

  /** Appends `item`, or returns false (and keeps nothing) when the ring is full. */
  push(item: T): boolean {
    if (this.size === this.capacity) return false;
    this.items[(this.start + this.size) % this.capacity] = item;
    this.size += 1;
    return true;
  }

  /** The item `index` places from the oldest (0) to the newest (length − 1). */
  at(index: number): T {
    assert(Number.isSafeInteger(index) && index >= 0 && index < this.size, `ring index ${index} of ${this.size}`);
    return this.items[(this.start + index) % this.capacity]!;
  }

  /** The first `count` items (fewer if there are fewer), oldest first, still in the ring. */
  peek(count: number): T[] {
    const taken = Math.min(count, this.size);
    const batch: T[] = new Array(taken);
    for (let i = 0; i < taken; i++) batch[i] = this.items[(this.start + i) % this.capacity]!;
    return batch;
  }

  /** Removes the oldest `count` items. */
  remove(count: number): void {
    assert(Number.isSafeInteger(count) && count >= 0 && count <= this.size, `cannot remove ${count} of ${this.size} items`);
    for (let i = 0; i < count; i++) this.items[(this.start + i) % this.capacity] = undefined;
    this.start = (this.start + count) % this.capacity;
    this.size -= count;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.start];
    this.remove(1);
    return item;
  }
}
