/**
 * The bus publishes only while another instance listens, and learns that by PUBSUB NUMSUB once a
 * second. A joining instance therefore says hello: without it, the updates applied in the first
 * second after it subscribed were never published to it (its WebSocket clients missed them).
 * Here a real bus, as a second instance's, joins; the update applied right after must reach it.
 * (With the hello removed this fails in most runs: it passes only when the engine's own refresh
 * happens to fall between the join and the update.)
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import Redis from "ioredis";
import { RedisBalanceBus, type BusMessage } from "../../src/adapters/redis/balanceBus.ts";
import { createLogger } from "../../src/observability/log.ts";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { createTopics, deleteTopics, ensureServices, eventually, openProducer, REDIS_URL, TEST_BUS_SECRET, uniqueNames } from "../support/services.ts";

const names = uniqueNames("bus-window");
let engine: EngineUnderTest;
let producer: Awaited<ReturnType<typeof openProducer>>;
const publisher = new Redis(REDIS_URL);
const subscriber = new Redis(REDIS_URL, { enableReadyCheck: false });
let joiner: RedisBalanceBus | null = null;

beforeAll(async () => {
  ensureServices("kafka", "redis");
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
  engine = await startEngineUnderTest({ ...names.env, SNAPSHOT_INTERVAL_MS: "100" });
  await eventually(async () => (await engine.get("/ready")).status === 200, 60_000, "ready");
  await producer.sendMessages(names.eod, [eod({ accountId: "N1", facilityId: "none" })]);
  await eventually(async () => (await engine.get("/v1/accounts/N1/balance")).status === 200, 30_000, "the EOD");
}, 120_000);

afterAll(async () => {
  await joiner?.stop();
  subscriber.disconnect();
  publisher.disconnect();
  await producer?.disconnect();
  await engine?.stop();
  await deleteTopics([names.eod, names.transactions, names.dlq]); // after the engines stopped
});

test("an update applied right after another instance joins the bus is published to it", async () => {
  const heard: BusMessage[] = [];
  joiner = new RedisBalanceBus({
    publisher, subscriber, channel: `${names.id}:updates`, instanceId: "joiner", secret: TEST_BUS_SECRET,
    log: createLogger("error", () => {}), dropped: () => {}, rejected: () => {},
  });
  await joiner.listen((message) => heard.push(message));
  await producer.sendMessages(names.transactions, [txn({ accountId: "N1", amount: "1.00" })]);
  await eventually(async () => (await bodyOf(await engine.get("/v1/accounts/N1/balance"))).currentBalance === "1001.00", 30_000, "the update applied");
  await eventually(() => heard.some((message) => message.accountId === "N1"), 3_000, "the update published").catch(() => {});
  expect({ published: heard.some((message) => message.accountId === "N1") }).toEqual({ published: true });
});
