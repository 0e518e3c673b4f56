/** WebSocket /v1/ws: subscribe, initial balance, one update per applied change, alerts once, errors, slow clients. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { metricValue } from "../support/metrics.ts";
import { connect } from "../support/wsClient.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest({ WS_BUFFER_MAX_BYTES: "65536" });
  await engine.put("/v1/admin/facilities/456", { limit: "5000.00" });
});
afterAll(() => engine.stop());

test("a subscriber sees the initial balance, then one update per applied change (none for a rejected one), then a high-value alert", async () => {
  await engine.post("/v1/events", eod({ accountId: "W1", balance: "1000.00" }));
  const client = await connect(engine.wsUrl);
  client.send({ op: "subscribe", accounts: ["W1"] });
  const initial = await client.next((m) => m.type === "balance");
  expect(initial).toMatchObject({ accountId: "W1", currentBalance: "1000.00", availableBalance: "6000.00" });

  const repeated = txn({ accountId: "W1", amount: "-50.00" });
  const results = (await bodyOf(await engine.post("/v1/events", [
    repeated, txn({ accountId: "W1", amount: "20.00" }), repeated, txn({ accountId: "W1", bookingDate: "2026-11-21" }),
    eod({ accountId: "W1", balance: "2000.00", timestamp: "2026-11-22T03:00:00Z" }), txn({ accountId: "W1", amount: "0.25" }),
  ]))).results.map((r: { outcome: string }) => r.outcome);
  expect(results).toEqual(["applied", "applied", "duplicate", "dead_lettered", "applied", "applied"]);
  const last = await client.next((m) => m.type === "balance" && m.version === initial.version + 4);
  const updates = client.received.filter((m) => m.type === "balance" && m !== initial).map((m) => [m.version, m.currentBalance]);
  expect(updates).toEqual([[initial.version + 1, "950.00"], [initial.version + 2, "970.00"], [initial.version + 3, "1970.00"], [initial.version + 4, "1970.25"]]);
  expect(last).toMatchObject({ eodBalance: "2000.00", currentBalance: "1970.25", availableBalance: "6970.25" });

  const alertsBefore = await metricValue(engine.base, "alerts_total");
  await engine.post("/v1/events", txn({ accountId: "W1", amount: "10000.00", transactionId: "big-1" }));
  const alert = await client.next((m) => m.type === "alert");
  expect(alert).toMatchObject({ kind: "high_value", accountId: "W1", transactionId: "big-1", amount: "10000.00", currency: "USD" });
  expect(await metricValue(engine.base, "alerts_total")).toBe(alertsBefore + 1);
  client.close();
});

test("an alert reaches a connection once even when it follows the account and the alerts channel", async () => {
  await engine.post("/v1/events", eod({ accountId: "W2" }));
  const both = await connect(engine.wsUrl);
  const channelOnly = await connect(engine.wsUrl);
  both.send({ op: "subscribe", accounts: ["W2"], channels: ["alerts"] });
  channelOnly.send({ op: "subscribe", channels: ["alerts"] });
  await both.next((m) => m.type === "balance");

  await engine.post("/v1/events", txn({ accountId: "W2", amount: "25000.00", transactionId: "big-2" }));
  await engine.post("/v1/events", txn({ accountId: "W2", amount: "1.00" })); // a marker that follows the alert
  await both.next((m) => m.type === "balance" && m.currentBalance === "26001.00");
  expect(both.received.filter((m) => m.type === "alert")).toHaveLength(1);
  expect((await channelOnly.next((m) => m.type === "alert")).transactionId).toBe("big-2");
  both.close();
  channelOnly.close();
});

test("a bad client message's error names the field, as HTTP errors do", async () => {
  const client = await connect(engine.wsUrl);
  client.send({ op: "dance" });
  expect((await client.next((m) => m.type === "error")).error).toEqual({
    code: "invalid_message", field: "message.op", message: "message.op: must be one of subscribe, unsubscribe",
  });
  client.send({ op: "subscribe", accounts: ["ok", "x".repeat(200)] });
  expect((await client.next((m) => m.type === "error")).error.field).toBe("message.accounts.1");
  client.send("not json");
  expect((await client.next((m) => m.type === "error")).error).toEqual({ code: "invalid_message", field: "message", message: "message: not valid JSON" });
  client.close();
});

test("a bad client message gets an error message and the connection stays open", async () => {
  await engine.post("/v1/events", eod({ accountId: "W3" }));
  const client = await connect(engine.wsUrl);
  client.send("not json");
  expect((await client.next((m) => m.type === "error")).error.code).toBe("invalid_message");
  client.send({ op: "dance" });
  expect((await client.next((m) => m.type === "error")).error.code).toBe("invalid_message");
  client.send({ op: "subscribe", accounts: ["W3"] });
  expect((await client.next((m) => m.type === "balance")).accountId).toBe("W3");
  client.close();
});

test("unsubscribing stops the updates of that account", async () => {
  await engine.post("/v1/events", [eod({ accountId: "W4" }), eod({ accountId: "W5" })]);
  const client = await connect(engine.wsUrl);
  client.send({ op: "subscribe", accounts: ["W4", "W5"] });
  await client.next((m) => m.accountId === "W5");
  client.send({ op: "unsubscribe", accounts: ["W4"] });
  client.send({ op: "subscribe", accounts: ["W5"] }); // round trip: the unsubscribe has been handled
  await engine.post("/v1/events", [txn({ accountId: "W4" }), txn({ accountId: "W5", amount: "2.00" })]);
  await client.next((m) => m.accountId === "W5" && m.currentBalance === "1002.00");
  expect(client.received.filter((m) => m.accountId === "W4")).toHaveLength(1); // only the initial one
  client.close();
});

test("a client that stops reading is cut off instead of growing the engine's memory", async () => {
  await engine.post("/v1/events", eod({ accountId: "W6" }));
  const stalled = await openStalledSocket(engine.running.port, "W6");
  // Each update is ~300 bytes; push far more than the 64 KiB limit plus the kernel's socket buffers.
  const slowDisconnects = () => metricValue(engine.base, "ws_slow_disconnects_total");
  expect(await slowDisconnects()).toBe(0);
  for (let round = 0; round < 60 && (await slowDisconnects()) === 0; round++) {
    const batch = Array.from({ length: 1000 }, () => txn({ accountId: "W6", amount: "0.01" }));
    await engine.post("/v1/events", batch);
  }
  expect(await slowDisconnects()).toBe(1);
  stalled.destroy();
});

/** A raw TCP WebSocket client that subscribes and then never reads: the kernel buffers fill up. */
async function openStalledSocket(port: number, accountId: string) {
  let handshakeDone: () => void = () => {};
  const upgraded = new Promise<void>((resolve) => (handshakeDone = resolve));
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(s) {
        handshakeDone();
        s.pause(); // stop reading from here on
      },
    },
  });
  socket.write(
    `GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await upgraded;
  socket.write(maskedTextFrame(JSON.stringify({ op: "subscribe", accounts: [accountId] })));
  return { destroy: () => socket.end() };
}

function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  if (payload.length > 125) throw new Error("test frame too long");
  const frame = new Uint8Array(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  const mask = [1, 2, 3, 4];
  frame.set(mask, 2);
  payload.forEach((byte, i) => (frame[6 + i] = byte ^ mask[i % 4]!));
  return frame;
}
