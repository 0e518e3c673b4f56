/** The WebSocket's activity channel (the dashboard's live monitor): every account's changes, once per connection. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { connect } from "../support/wsClient.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest();
});
afterAll(() => engine.stop());

test("the activity channel carries the balance changes of accounts the connection never subscribed to", async () => {
  const client = await connect(engine.wsUrl);
  client.send({ op: "subscribe", channels: ["activity"] });
  await Bun.sleep(50);
  await engine.post("/v1/events", [eod({ accountId: "ACT-1", facilityId: "none" }), txn({ accountId: "ACT-1", amount: "5.00" })]);
  const update = await client.next((m) => m.type === "balance" && m.accountId === "ACT-1" && m.currentBalance === "1005.00");
  expect(update).toMatchObject({ accountId: "ACT-1", eodBalance: "1000.00" });
  client.close();
});

test("a change reaches a connection once even when it follows the account and the activity channel", async () => {
  await engine.post("/v1/events", eod({ accountId: "ACT-2", facilityId: "none" }));
  const client = await connect(engine.wsUrl);
  client.send({ op: "subscribe", accounts: ["ACT-2"], channels: ["activity"] });
  const initial = await client.next((m) => m.type === "balance" && m.accountId === "ACT-2");
  await engine.post("/v1/events", [txn({ accountId: "ACT-2", amount: "1.00" }), txn({ accountId: "ACT-2", amount: "2.00" })]);
  await client.next((m) => m.type === "balance" && m.accountId === "ACT-2" && m.version === initial.version + 2);
  await Bun.sleep(100);
  const versions = client.received.filter((m) => m.type === "balance" && m.accountId === "ACT-2").map((m) => m.version);
  expect(versions).toEqual([initial.version, initial.version + 1, initial.version + 2]);
  client.close();
});

test("after unsubscribing from the activity channel, other accounts' changes stop", async () => {
  const client = await connect(engine.wsUrl);
  client.send({ op: "subscribe", channels: ["activity"] });
  client.send({ op: "unsubscribe", channels: ["activity"] });
  await Bun.sleep(50);
  await engine.post("/v1/events", eod({ accountId: "ACT-3", facilityId: "none" }));
  // A marker: the last change goes to an account this connection follows, so everything before it has arrived.
  await engine.post("/v1/events", eod({ accountId: "ACT-4", facilityId: "none" }));
  client.send({ op: "subscribe", accounts: ["ACT-4"] });
  await client.next((m) => m.type === "balance" && m.accountId === "ACT-4");
  expect(client.received.some((m) => m.accountId === "ACT-3")).toBe(false);
  client.close();
});
