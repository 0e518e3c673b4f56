/**
 * Issue 8, item 4: the Redis pub/sub channel between instances is not trusted blindly. A client
 * of Redis can publish on it; whatever it publishes must neither crash the engine nor reach a
 * WebSocket client unless it is signed with REDIS_BUS_SECRET and has the right shape.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { sealBusBatch } from "../../src/adapters/redis/busEnvelope.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { scrapeMetrics } from "../support/metrics.ts";
import { createTopics, ensureServices, eventually, run, TEST_BUS_SECRET, uniqueNames } from "../support/services.ts";
import { connect, type TestSocket } from "../support/wsClient.ts";

const names = uniqueNames("bus");
const channel = `${names.id}:updates`;
let engine: EngineProcess;
let client: TestSocket;

beforeAll(async () => {
  ensureServices("kafka", "redis");
  await createTopics([names.eod, names.transactions, names.dlq]);
  engine = await spawnEngine(names.env, `/tmp/${names.id}.log`);
  await eventually(async () => (await fetch(`${engine.base}/ready`)).status === 200, 60_000, "ready");
  client = await connect(`ws://127.0.0.1:${engine.port}/v1/ws`);
  client.send({ op: "subscribe", accounts: ["FORGED", "SIGNED"] });
}, 120_000);

afterAll(async () => {
  client?.close();
  await engine?.terminate();
});

const publish = (text: string) => run(["redis-cli", "-h", "127.0.0.1", "PUBLISH", channel, text]);
const rejected = async (reason: string) => (await scrapeMetrics(engine.base)).sum("balance_bus_rejected_total", { reason });
const fakeBalance = (accountId: string) => JSON.stringify({ type: "balance", accountId, currentBalance: "1000000.00", version: 99 });

test("a message that is not a signed batch is counted and dropped, and the engine keeps serving", async () => {
  publish("x\nnot json");
  await eventually(async () => (await rejected("malformed")) === 1, 10_000, "the malformed message counted");
  expect((await fetch(`${engine.base}/health`)).status).toBe(200);
});

test("a well-formed batch with a forged signature never reaches a WebSocket client", async () => {
  const forged = sealBusBatch("evil", "not-the-secret-0123456789abcdef0123", [{ kind: "balance", accountId: "FORGED", data: fakeBalance("FORGED") }]);
  publish(forged);
  await eventually(async () => (await rejected("bad_signature")) === 1, 10_000, "the forgery counted");
  // A signed message published after it arrives; the forged one must not have come before it.
  publish(sealBusBatch("peer", TEST_BUS_SECRET, [{ kind: "balance", accountId: "SIGNED", data: fakeBalance("SIGNED") }]));
  await client.next((m) => m.accountId === "SIGNED");
  expect(client.received.filter((m) => m.accountId === "FORGED")).toEqual([]);
});

test("a signed batch of the wrong shape is counted and dropped", async () => {
  publish(sealBusBatch("peer", TEST_BUS_SECRET, [{ kind: "balance", accountId: "bad\u0000id", data: "{}" }]));
  await eventually(async () => (await rejected("invalid_schema")) === 1, 10_000, "the bad shape counted");
  expect((await fetch(`${engine.base}/health`)).status).toBe(200);
});
