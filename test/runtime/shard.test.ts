import { describe, expect, test } from "bun:test";
import { Shard } from "../../src/runtime/shard.ts";

interface Deferred<T> { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void }

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (a macrotask turn, not a timer-based wait). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A shard whose handler logs "key:message" when it runs and returns a promise for any message
 * that has a deferred registered under its name; otherwise it answers at once.
 */
function harness() {
  const log: string[] = [];
  const waits = new Map<string, Deferred<string>>();
  let created = 0;
  const actors = new Shard<{ key: string; seen: string[] }>((key) => { created += 1; return { key, seen: [] }; });
  // Each message is a task with its own reply: "done <message>", at once or when its deferred resolves.
  const shard = {
    deliver: (key: string, message: string) => actors.run(key, (state) => {
      log.push(`${state.key}:${message}`);
      state.seen.push(message);
      const wait = waits.get(message);
      if (wait === undefined) return `done ${message}`;
      return wait.promise;
    }),
    get isIdle() { return actors.isIdle; },
    get queuedCount() { return actors.queuedCount; },
    get states() { return actors.states; },
  };
  const slow = (message: string) => {
    const wait = deferred<string>();
    waits.set(message, wait);
    return wait;
  };
  return { shard, log, slow, created: () => created };
}

describe("Shard: one mailbox per key", () => {
  test("an idle actor handles a message at once and returns its result synchronously", () => {
    const { shard, log } = harness();
    expect(shard.deliver("k", "a")).toBe("done a");
    expect(log).toEqual(["k:a"]);
  });

  test("one key's messages run in order even when the handler returns a promise for the first", async () => {
    const { shard, log, slow } = harness();
    const first = slow("first");
    const results = [shard.deliver("k", "first"), shard.deliver("k", "second"), shard.deliver("k", "third")];
    await settle();
    expect(log).toEqual(["k:first"]);
    first.resolve("done first");
    expect(await Promise.all(results)).toEqual(["done first", "done second", "done third"]);
    expect(log).toEqual(["k:first", "k:second", "k:third"]);
  });

  test("a queued message that itself waits holds back the messages behind it", async () => {
    const { shard, log, slow } = harness();
    const first = slow("first");
    const second = slow("second");
    const results = [shard.deliver("k", "first"), shard.deliver("k", "second"), shard.deliver("k", "third")];
    first.resolve("done first");
    await settle();
    expect(log).toEqual(["k:first", "k:second"]);
    second.resolve("done second");
    expect(await Promise.all(results)).toEqual(["done first", "done second", "done third"]);
    expect(log).toEqual(["k:first", "k:second", "k:third"]);
  });

  test("different keys proceed while one key waits", async () => {
    const { shard, log, slow } = harness();
    const first = slow("first");
    const pending = shard.deliver("k1", "first");
    expect(shard.deliver("k2", "other")).toBe("done other");
    expect(log).toEqual(["k1:first", "k2:other"]);
    first.resolve("done first");
    expect(await pending).toBe("done first");
  });

  test("a message delivered after the wait is over runs at once again", async () => {
    const { shard, slow } = harness();
    const first = slow("first");
    const pending = shard.deliver("k", "first");
    first.resolve("done first");
    await pending;
    await settle();
    expect(shard.deliver("k", "later")).toBe("done later");
  });

  test("queuedCount rises while messages wait and falls as they run", async () => {
    const { shard, slow } = harness();
    const first = slow("first");
    expect(shard.queuedCount).toBe(0);
    const results = [shard.deliver("k", "first")];
    expect(shard.queuedCount).toBe(0);
    results.push(shard.deliver("k", "b") as Promise<string>, shard.deliver("k", "c") as Promise<string>);
    expect(shard.queuedCount).toBe(2);
    shard.deliver("other", "x");
    expect(shard.queuedCount).toBe(2);
    first.resolve("done first");
    await Promise.all(results);
    expect(shard.queuedCount).toBe(0);
  });

  test("state is created once per key and kept across messages", async () => {
    const { shard, slow, created } = harness();
    const first = slow("first");
    const results = [shard.deliver("k1", "first"), shard.deliver("k1", "b"), shard.deliver("k2", "c"), shard.deliver("k2", "d")];
    first.resolve("done first");
    await Promise.all(results);
    shard.deliver("k1", "e");
    expect(created()).toBe(2);
    expect(shard.states.get("k1")?.seen).toEqual(["first", "b", "e"]);
    expect(shard.states.get("k2")?.seen).toEqual(["c", "d"]);
  });

  test("a failed message rejects only its own result; the key's later messages still run in order", async () => {
    const { shard, log, slow } = harness();
    const first = slow("first");
    const broken = slow("broken");
    const results = [shard.deliver("k", "first"), shard.deliver("k", "broken"), shard.deliver("k", "after")];
    first.reject(new Error("lookup failed"));
    await settle();
    broken.reject(new Error("boom"));
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    expect(log).toEqual(["k:first", "k:broken", "k:after"]);
    expect(shard.queuedCount).toBe(0);
  });
});
