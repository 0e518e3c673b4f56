/** The shared helpers: backoff, bounded ring and batch flusher, each bound and failure path. */
import { describe, expect, test } from "bun:test";
import { Backoff } from "../../src/lib/backoff.ts";
import { BatchFlusher, type DropReason } from "../../src/lib/batchFlusher.ts";
import { BoundedRing } from "../../src/lib/boundedRing.ts";

describe("Backoff", () => {
  test("doubles from the minimum up to the maximum, and starts again after a success", () => {
    const backoff = new Backoff(100, 1000);
    expect([backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed()]).toEqual([100, 200, 400, 800, 1000]);
    expect(backoff.failuresInARow).toBe(5);
    backoff.succeeded();
    expect(backoff.delayMs()).toBe(0);
    expect(backoff.failed()).toBe(100);
  });
});

describe("BoundedRing", () => {
  test("holds at most its capacity, oldest first, and refuses rather than grows", () => {
    const ring = new BoundedRing<number>(3);
    expect([ring.push(1), ring.push(2), ring.push(3), ring.push(4)]).toEqual([true, true, true, false]);
    expect(ring.peek(10)).toEqual([1, 2, 3]);
    ring.remove(2);
    expect(ring.push(5)).toBe(true);
    expect([ring.at(0), ring.at(1)]).toEqual([3, 5]);
    expect(ring.shift()).toBe(3);
    expect(ring.length).toBe(1);
  });
});

function flusher(options: { itemsMax?: number; retry?: Backoff; fail?: () => boolean } = {}) {
  const sent: number[][] = [];
  const drops: [number, DropReason][] = [];
  const flush = new BatchFlusher<number>({
    itemsMax: options.itemsMax ?? 100, batchItemsMax: 3, flushIntervalMs: 5, retry: options.retry,
    send: async (batch) => {
      if (options.fail?.()) throw new Error("down");
      sent.push([...batch]);
    },
    onDropped: (count, reason) => drops.push([count, reason]),
  });
  return { flush, sent, drops };
}

describe("BatchFlusher", () => {
  test("sends in order, in batches of at most batchItemsMax", async () => {
    const { flush, sent } = flusher();
    for (let i = 1; i <= 7; i++) flush.push(i);
    expect(await flush.flush()).toEqual({ ok: true });
    expect(sent).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  test("past itemsMax an item is dropped and counted, never buffered", () => {
    const { flush, drops } = flusher({ itemsMax: 2 });
    expect([flush.push(1), flush.push(2), flush.push(3)]).toEqual([true, true, false]);
    expect(drops).toEqual([[1, "buffer_full"]]);
    expect(flush.stats()).toMatchObject({ buffered: 2, droppedTotal: 1 });
  });

  test("with retry, a failed batch stays and is sent once the send works again, by the flusher's own timer", async () => {
    let failing = true;
    const { flush, sent } = flusher({ retry: new Backoff(1, 5), fail: () => failing });
    flush.start();
    flush.push(1);
    while (flush.stats().sendFailuresTotal < 2) await Bun.sleep(2);
    expect(flush.stats()).toMatchObject({ buffered: 1, sentTotal: 0 });
    failing = false;
    while (flush.stats().sentTotal < 1) await Bun.sleep(2);
    expect(sent).toEqual([[1]]);
    expect(flush.failuresInARow).toBe(0);
    await flush.stop();
  });

  test("without retry, a failed batch is dropped and counted", async () => {
    const { flush, drops } = flusher({ fail: () => true });
    flush.push(1);
    flush.push(2);
    expect(await flush.flush()).toMatchObject({ ok: false });
    expect(drops).toEqual([[2, "send_failed"]]);
    expect(flush.length).toBe(0);
  });

  test("stop sends what is left, and what is pushed after is dropped as stopped", async () => {
    const { flush, sent, drops } = flusher();
    flush.push(1);
    expect(await flush.stop()).toEqual({ ok: true });
    flush.push(2);
    expect(sent).toEqual([[1]]);
    expect(drops).toEqual([[1, "stopped"]]);
  });
});
