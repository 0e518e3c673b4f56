/** The subscription hub with fake connections: who hears what, once, and a slow client is cut off. */
import { describe, expect, test } from "bun:test";
import { HELD_MESSAGES_MAX, SubscriptionHub, type Connection } from "../../src/ws/subscriptionHub.ts";

/** A connection that records what it was sent; `buffered` plays the unsent bytes Bun reports. */
function fakeConnection() {
  const connection = {
    sent: [] as string[],
    buffered: 0,
    /** What each cork sent together. */
    corks: [] as string[][],
    closedWith: null as number | null,
    send(data: string) {
      connection.sent.push(data);
      return data.length;
    },
    getBufferedAmount: () => connection.buffered,
    close(code?: number) {
      connection.closedWith = code ?? 1000;
    },
    terminate() {
      connection.closedWith = 1006; // dropped without a close frame, as the client sees it
    },
    cork(callback: () => void) {
      const before = connection.sent.length;
      callback();
      connection.corks.push(connection.sent.slice(before));
    },
  };
  return connection satisfies Connection;
}

function hub(bufferBytesMax = 1000, accountsMax = 10, limits: { buffersTotalBytesMax?: number; subscriptionsTotalMax?: number } = {}) {
  let slow = 0;
  const subscriptions = new SubscriptionHub({
    bufferBytesMax, accountsMax, buffersTotalBytesMax: limits.buffersTotalBytesMax ?? 1_000_000,
    subscriptionsTotalMax: limits.subscriptionsTotalMax ?? 1_000_000,
  }, () => slow++);
  return { subscriptions, slowCount: () => slow };
}

describe("SubscriptionHub", () => {
  test("a balance goes to the account's subscribers only", () => {
    const { subscriptions } = hub();
    const [a, b] = [fakeConnection(), fakeConnection()];
    subscriptions.add(a);
    subscriptions.add(b);
    subscriptions.subscribe(a, ["123"]);
    subscriptions.subscribe(b, ["999"]);
    subscriptions.publishBalance("123", "balance-123");
    expect(a.sent).toEqual(["balance-123"]);
    expect(b.sent).toEqual([]);
  });

  test("an alert reaches a connection once, even when it listens to the account and to the alerts channel", () => {
    const { subscriptions } = hub();
    const both = fakeConnection();
    const channelOnly = fakeConnection();
    subscriptions.add(both);
    subscriptions.add(channelOnly);
    subscriptions.subscribe(both, ["123"]);
    subscriptions.setAlerts(both, true);
    subscriptions.setAlerts(channelOnly, true);
    subscriptions.publishAlert("123", "alert");
    expect(both.sent).toEqual(["alert"]);
    expect(channelOnly.sent).toEqual(["alert"]);
  });

  test("subscribing returns only the accounts newly added, and refuses what would pass the per-connection bound", () => {
    const { subscriptions } = hub(1000, 3);
    const c = fakeConnection();
    subscriptions.add(c);
    expect(subscriptions.subscribe(c, ["a", "b", "a"])).toEqual({ ok: true, added: ["a", "b"] });
    expect(subscriptions.subscribe(c, ["b", "c"])).toEqual({ ok: true, added: ["c"] });
    expect(subscriptions.subscribe(c, ["d"])).toEqual({ ok: false, reason: "connection_limit" });
  });

  test("after unsubscribe and after remove, nothing more is delivered and the account has no listeners", () => {
    const { subscriptions } = hub();
    const c = fakeConnection();
    subscriptions.add(c);
    subscriptions.subscribe(c, ["123", "124"]);
    subscriptions.unsubscribe(c, ["123"]);
    subscriptions.publishBalance("123", "x");
    expect(c.sent).toEqual([]);
    expect(subscriptions.hasListeners("123")).toBe(false);
    subscriptions.remove(c);
    subscriptions.publishBalance("124", "y");
    expect(c.sent).toEqual([]);
    expect(subscriptions.hasListeners("124")).toBe(false);
    expect(subscriptions.size).toBe(0);
  });

  test("a client whose unsent bytes pass the bound is dropped at once (no close frame to wait behind them), counted, and hears nothing more", () => {
    const { subscriptions, slowCount } = hub(100);
    const slow = fakeConnection();
    subscriptions.add(slow);
    subscriptions.subscribe(slow, ["123"]);
    slow.buffered = 101;
    subscriptions.publishBalance("123", "first");
    expect(slow.closedWith).toBe(1006);
    expect(slowCount()).toBe(1);
    subscriptions.publishBalance("123", "second");
    expect(slow.sent).toEqual(["first"]);
  });

  test("a message Bun had to drop (send returned 0) closes the client rather than leave a gap", () => {
    const { subscriptions, slowCount } = hub();
    const dropping = { ...fakeConnection(), send: () => 0 };
    subscriptions.add(dropping);
    subscriptions.subscribe(dropping, ["123"]);
    subscriptions.publishBalance("123", "lost");
    expect(slowCount()).toBe(1);
    expect(subscriptions.size).toBe(0);
  });

  test("subscriptions of all connections together are bounded; unsubscribing frees room", () => {
    const { subscriptions } = hub(1000, 10, { subscriptionsTotalMax: 3 });
    const [a, b] = [fakeConnection(), fakeConnection()];
    subscriptions.add(a);
    subscriptions.add(b);
    expect(subscriptions.subscribe(a, ["x", "y"])).toMatchObject({ ok: true });
    expect(subscriptions.subscribe(b, ["x", "z"])).toEqual({ ok: false, reason: "total_limit" });
    expect(subscriptions.subscriptionCount).toBe(2);
    subscriptions.remove(a);
    expect(subscriptions.subscribe(b, ["x", "z"])).toMatchObject({ ok: true });
  });

  test("past the process-wide budget of unsent bytes, a client that is behind is cut off and one that is not stays", () => {
    const { subscriptions, slowCount } = hub(600, 10, { buffersTotalBytesMax: 1000 });
    const [first, second, reading] = [fakeConnection(), fakeConnection(), fakeConnection()];
    for (const c of [first, second, reading]) {
      subscriptions.add(c);
      subscriptions.subscribe(c, ["123"]);
    }
    first.buffered = 500;
    second.buffered = 550; // each under its own limit, together over the budget
    subscriptions.publishBalance("123", "update");
    expect([first.closedWith, second.closedWith, reading.closedWith]).toEqual([null, 1006, null]);
    expect(slowCount()).toBe(1);
    expect(subscriptions.bufferedBytes).toBe(500);
  });

  test("a drain brings a client's unsent bytes back into the budget", () => {
    const { subscriptions } = hub(600, 10, { buffersTotalBytesMax: 1000 });
    const c = fakeConnection();
    subscriptions.add(c);
    subscriptions.subscribe(c, ["123"]);
    c.buffered = 500;
    subscriptions.publishBalance("123", "update");
    expect(subscriptions.bufferedBytes).toBe(500);
    c.buffered = 0;
    subscriptions.drained(c);
    expect(subscriptions.bufferedBytes).toBe(0);
  });

  test("inside corked, a connection's messages wait for the end and go out in order under one cork", () => {
    const { subscriptions } = hub();
    const c = fakeConnection();
    subscriptions.add(c);
    subscriptions.subscribe(c, ["123", "124"]);
    subscriptions.corked(() => {
      subscriptions.publishBalance("123", "a");
      subscriptions.publishBalance("124", "b");
      subscriptions.publishBalance("123", "c");
      expect(c.sent).toEqual([]);
    });
    expect(c.corks).toEqual([["a", "b", "c"]]);
  });

  test("a corked inside another joins it: everything goes out at the outer one's end", () => {
    const { subscriptions } = hub();
    const c = fakeConnection();
    subscriptions.add(c);
    subscriptions.subscribe(c, ["123"]);
    subscriptions.corked(() => {
      subscriptions.publishBalance("123", "a");
      subscriptions.corked(() => subscriptions.publishBalance("123", "b"));
      expect(c.sent).toEqual([]);
    });
    expect(c.corks).toEqual([["a", "b"]]);
  });

  test("what corked holds is sent even when its run throws", () => {
    const { subscriptions } = hub();
    const c = fakeConnection();
    subscriptions.add(c);
    subscriptions.subscribe(c, ["123"]);
    expect(() => subscriptions.corked(() => {
      subscriptions.publishBalance("123", "a");
      throw new Error("boom");
    })).toThrow("boom");
    expect(c.sent).toEqual(["a"]);
  });

  test("corked holds at most HELD_MESSAGES_MAX messages: reaching it sends them at once", () => {
    const { subscriptions } = hub(10_000_000);
    const c = fakeConnection();
    subscriptions.add(c);
    subscriptions.subscribe(c, ["123"]);
    subscriptions.corked(() => {
      for (let i = 0; i < HELD_MESSAGES_MAX; i++) subscriptions.publishBalance("123", "x");
      expect(c.sent.length).toBe(HELD_MESSAGES_MAX);
      subscriptions.publishBalance("123", "y");
      expect(c.sent.length).toBe(HELD_MESSAGES_MAX);
    });
    expect(c.sent.at(-1)).toBe("y");
  });

  test("a client cut off while its held messages go out is sent none of the rest", () => {
    const { subscriptions, slowCount } = hub(10);
    const c = fakeConnection();
    subscriptions.add(c);
    subscriptions.subscribe(c, ["123"]);
    subscriptions.corked(() => {
      subscriptions.publishBalance("123", "a");
      subscriptions.publishBalance("123", "b");
      c.buffered = 11; // past the bound once the first is sent
    });
    expect(c.sent).toEqual(["a"]);
    expect(c.closedWith).toBe(1006);
    expect(slowCount()).toBe(1);
  });
});
