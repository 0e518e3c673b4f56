/**
 * Batching at a boundary (TigerBeetle: "batch at the boundaries"): the hot path pushes items
 * into a bounded buffer (O(1), never awaits, never throws) and a flusher sends them in batches at
 * its own pace, one send at a time, in order. At the bound an item is dropped and counted, never
 * the buffer grown. A failed send either keeps its items and retries with backoff (`retry`), or
 * drops them and counts them (no `retry`: for data that is worthless late, such as pushes).
 */
import { assert, assertPositiveInteger } from "./assert.ts";
import type { Backoff } from "./backoff.ts";
import { BoundedRing } from "./boundedRing.ts";

export type DropReason = "buffer_full" | "stopped" | "send_failed";

export interface BatchFlusherOptions<T> {
  /** Items the buffer holds at most. */
  readonly itemsMax: number;
  /** Items per send at most. */
  readonly batchItemsMax: number;
  /** With `sizeOf`: the size one send may carry at most (a larger single item goes alone). */
  readonly batchBytesMax?: number;
  readonly sizeOf?: (item: T) => number;
  /** The pace while healthy; 0 sends on the next turn of the event loop. */
  readonly flushIntervalMs: number;
  /** Sends one batch; throws (or rejects) when it failed. */
  readonly send: (batch: readonly T[]) => Promise<void>;
  /** Keep failed batches and retry them on this schedule; without it they are dropped. */
  readonly retry?: Backoff;
  readonly onDropped?: (count: number, reason: DropReason) => void;
  readonly onSendFailed?: (error: unknown, failure: { items: number; failuresInARow: number; retryInMs: number }) => void;
  readonly onRecovered?: (failedAttempts: number) => void;
}

export type FlushResult = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly buffered: number };

export interface BatchFlusherStats {
  readonly buffered: number;
  readonly pushedTotal: number;
  readonly sentTotal: number;
  readonly droppedTotal: number;
  readonly sendFailuresTotal: number;
  readonly failuresInARow: number;
}

export class BatchFlusher<T> {
  private readonly ring: BoundedRing<T>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerIsImmediate = false;
  private started = false;
  private stopped = false;
  /** Serializes sends: one batch in flight at a time, in buffer order. */
  private lock: Promise<unknown> = Promise.resolve();
  private pushedTotal = 0;
  /** Items taken off the front: sent, or dropped after a failed send. */
  private doneTotal = 0;
  private sentTotal = 0;
  private droppedTotal = 0;
  private sendFailuresTotal = 0;
  private failuresWithoutRetry = 0;

  constructor(private readonly options: BatchFlusherOptions<T>) {
    assertPositiveInteger("batchItemsMax", options.batchItemsMax);
    assert(Number.isSafeInteger(options.flushIntervalMs) && options.flushIntervalMs >= 0, "flushIntervalMs must be >= 0");
    this.ring = new BoundedRing(options.itemsMax);
  }

  /** The hot path: O(1), never awaits, never throws. False when the item was dropped. */
  push(item: T): boolean {
    if (this.stopped) return this.drop(1, "stopped");
    if (!this.ring.push(item)) return this.drop(1, "buffer_full");
    this.pushedTotal += 1;
    // Not started, or backing off: the retry timer is already set and takes this item too.
    if (!this.started || this.isBackingOff) return true;
    // A full batch goes now rather than at the next tick.
    this.schedule(this.ring.length >= this.options.batchItemsMax ? 0 : this.options.flushIntervalMs, false);
    return true;
  }

  /** Starts sending; items pushed before wait until then. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.ring.length > 0) this.schedule(0, true);
  }

  /** Sends every item pushed before the call; on a failure, stops and says so. */
  flush(): Promise<FlushResult> {
    const target = this.pushedTotal;
    return this.exclusive(() => this.drainTo(target));
  }

  /** Stops the flusher and makes one last flush; items pushed afterwards are dropped and counted. */
  stop(): Promise<FlushResult> {
    this.stopped = true;
    this.clearTimer();
    return this.flush();
  }

  get length(): number {
    return this.ring.length;
  }

  private get isBackingOff(): boolean {
    return (this.options.retry?.failuresInARow ?? 0) > 0;
  }

  get failuresInARow(): number {
    return this.options.retry?.failuresInARow ?? this.failuresWithoutRetry;
  }

  stats(): BatchFlusherStats {
    return {
      buffered: this.ring.length, pushedTotal: this.pushedTotal, sentTotal: this.sentTotal,
      droppedTotal: this.droppedTotal, sendFailuresTotal: this.sendFailuresTotal, failuresInARow: this.failuresInARow,
    };
  }

  /** Sets the timer; an earlier one already set stays (`replace` moves it, for a retry). */
  private schedule(delayMs: number, replace: boolean): void {
    if (this.stopped) return;
    if (this.timer !== null && !replace && (this.timerIsImmediate || delayMs > 0)) return;
    this.clearTimer();
    this.timerIsImmediate = delayMs === 0;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // The flusher alone should not keep a process alive; stop() makes the last flush.
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    this.timer = null;
    const result = await this.flush();
    // A failure with retry has set its own timer.
    if (this.stopped || this.ring.length === 0 || (!result.ok && this.isBackingOff)) return;
    this.schedule(this.ring.length >= this.options.batchItemsMax ? 0 : this.options.flushIntervalMs, true);
  }

  private async drainTo(target: number): Promise<FlushResult> {
    while (this.doneTotal < target && this.ring.length > 0) {
      const batch = this.nextBatch();
      try {
        await this.options.send(batch);
      } catch (error) {
        return this.failed(error, batch.length);
      }
      this.take(batch.length);
      this.sentTotal += batch.length;
      this.succeeded();
    }
    return { ok: true };
  }

  private nextBatch(): T[] {
    const batch = this.ring.peek(this.options.batchItemsMax);
    const { sizeOf, batchBytesMax } = this.options;
    if (sizeOf === undefined || batchBytesMax === undefined) return batch;
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      bytes += sizeOf(batch[i]!);
      if (bytes > batchBytesMax && i > 0) return batch.slice(0, i);
    }
    return batch;
  }

  private failed(error: unknown, items: number): FlushResult {
    this.sendFailuresTotal += 1;
    const retry = this.options.retry;
    const retryInMs = retry === undefined ? 0 : retry.failed();
    if (retry === undefined) this.failuresWithoutRetry += 1;
    this.options.onSendFailed?.(error, { items, failuresInARow: this.failuresInARow, retryInMs });
    if (retry === undefined) {
      this.take(items);
      this.drop(items, "send_failed");
    } else if (this.started) {
      this.schedule(retryInMs, true);
    }
    return { ok: false, error, buffered: this.ring.length };
  }

  private succeeded(): void {
    const failures = this.failuresInARow;
    if (failures === 0) return;
    this.options.retry?.succeeded();
    this.failuresWithoutRetry = 0;
    this.options.onRecovered?.(failures);
  }

  private take(count: number): void {
    this.ring.remove(count);
    this.doneTotal += count;
  }

  private drop(count: number, reason: DropReason): false {
    this.droppedTotal += count;
    try {
      this.options.onDropped?.(count, reason);
    } catch {
      // The hot path never throws; a failing metric callback loses only its own count.
    }
    return false;
  }

  private exclusive<R>(run: () => Promise<R>): Promise<R> {
    const next = this.lock.then(run);
    this.lock = next.then(noop, noop);
    return next;
  }
}

function noop(): void {}
