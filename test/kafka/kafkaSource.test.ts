/** Messages produced to Kafka reach the REST balance and WebSocket clients; bad ones land on the DLQ topic. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { metricDelta, scrapeMetrics } from "../support/metrics.ts";
import { createTopics, deleteTopics, ensureServices, eventually, kafka, openProducer, uniqueNames } from "../support/services.ts";
import { connect } from "../support/wsClient.ts";

const names = uniqueNames("kafka-source");
let engine: EngineUnderTest;
let producer: Awaited<ReturnType<typeof openProducer>>;

beforeAll(async () => {
  ensureServices("kafka", "redis");
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
  engine = await startEngineUnderTest({ ...names.env, SNAPSHOT_INTERVAL_MS: "200" });
  await engine.put("/v1/admin/facilities/456", { limit: "5000.00" });
  await eventually(async () => (await engine.get("/ready")).status === 200, 60_000, "ready");
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await engine?.stop();
  await deleteTopics([names.eod, names.transactions, names.dlq]); // after the engines stopped
});

async function balance(accountId: string) {
  const response = await engine.get(`/v1/accounts/${accountId}/balance`);
  return response.status === 200 ? bodyOf(response) : null;
}

test("messages produced to Kafka reach the REST balance and a WebSocket subscriber", async () => {
  await producer.sendMessages(names.eod, [eod({ accountId: "K1", balance: "1000.00" })]);
  await eventually(async () => (await balance("K1"))?.currentBalance === "1000.00", 30_000, "the EOD");
  const client = await connect(engine.wsUrl);
  client.send({ op: "subscribe", accounts: ["K1"] });
  await client.next((m) => m.type === "balance" && m.currentBalance === "1000.00");

  await producer.sendMessages(names.transactions, [txn({ accountId: "K1", amount: "100.00" }), txn({ accountId: "K1", amount: "-50.00" })]);
  await client.next((m) => m.type === "balance" && m.currentBalance === "1050.00");
  expect(await balance("K1")).toMatchObject({ currentBalance: "1050.00", availableBalance: "6050.00" });
  const metrics = await scrapeMetrics(engine.base);
  expect({
    eod: metrics.value("messages_total", { topic: names.eod, outcome: "applied" }),
    transactions: metrics.value("messages_total", { topic: names.transactions, outcome: "applied" }),
  }).toEqual({ eod: 1, transactions: 2 });
  client.close();
});

test("invalid and before_eod messages land on the DLQ topic with their reason, exact source partition and offset, and the original bytes", async () => {
  await producer.sendMessages(names.eod, [eod({ accountId: "K2" })]);
  await eventually(async () => (await balance("K2")) !== null, 30_000, "the EOD");
  const before = await scrapeMetrics(engine.base);
  // Sent one by one so that each record's partition and offset are known from the broker's answer.
  const [broken] = await producer.send({ topic: names.transactions, messages: [{ key: "K2", value: "{not json" }] });
  const lateText = JSON.stringify(txn({ accountId: "K2", bookingDate: "2026-11-20", messageId: "late-1" }));
  const [late] = await producer.send({ topic: names.transactions, messages: [{ key: "K2", value: lateText }] });
  expect(broken!.partition).toBe(partitionForKey("K2", 12));

  const consumer = kafka.consumer({ groupId: `${names.id}-dlq-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: names.dlq, fromBeginning: true });
  const letters: { reason: string; sourceTopic: string; partition: string; offset: string; messageId: string; value: string }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const header = (name: string) => message.headers?.[name]?.toString() ?? "";
      letters.push({
        reason: header("reason"), sourceTopic: header("source_topic"), partition: header("source_partition"),
        offset: header("source_offset"), messageId: header("message_id"), value: message.value?.toString() ?? "",
      });
    },
  });
  await eventually(() => letters.some((l) => l.reason === "invalid_json") && letters.some((l) => l.reason === "before_eod"), 30_000, "dead letters");
  await consumer.disconnect();

  expect(letters.find((l) => l.reason === "invalid_json")).toEqual({
    reason: "invalid_json", sourceTopic: names.transactions, partition: String(broken!.partition), offset: broken!.baseOffset!,
    messageId: "", value: "{not json",
  });
  expect(letters.find((l) => l.reason === "before_eod")).toEqual({
    reason: "before_eod", sourceTopic: names.transactions, partition: String(late!.partition), offset: late!.baseOffset!,
    messageId: "late-1", value: lateText,
  });
  expect((await balance("K2")).currentBalance).toBe("1000.00");
  const after = await scrapeMetrics(engine.base);
  expect({
    deadLettered: metricDelta(before, after, "messages_total", { topic: names.transactions, outcome: "dead_lettered" }),
    invalidJson: metricDelta(before, after, "dlq_total", { reason: "invalid_json" }),
    beforeEod: metricDelta(before, after, "dlq_total", { reason: "before_eod" }),
  }).toEqual({ deadLettered: 2, invalidJson: 1, beforeEod: 1 });
});

test("an invalid_schema dead letter on the DLQ topic says which field failed in its detail header", async () => {
  const { facilityId: _dropped, ...noFacility } = eod({ accountId: "K4", messageId: "no-facility" });
  await producer.sendMessages(names.eod, [noFacility]);
  const consumer = kafka.consumer({ groupId: `${names.id}-dlq-detail-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: names.dlq, fromBeginning: true });
  let detail: string | undefined;
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.headers?.message_id?.toString() === "no-facility") detail = message.headers?.detail?.toString();
    },
  });
  await eventually(() => detail !== undefined, 30_000, "the dead letter");
  await consumer.disconnect();
  expect(detail).toBe("facilityId: is required");
});

test("in Kafka mode POST /v1/events is refused with 409: the topics are the input", async () => {
  const response = await engine.post("/v1/events", eod({ accountId: "K3" }));
  expect({ status: response.status, code: (await bodyOf(response)).error.code }).toEqual({ status: 409, code: "kafka_mode" });
  expect(await balance("K3")).toBeNull();
});

test("Kafka and snapshot metrics are registered in Kafka mode", async () => {
  const text = await (await engine.get("/metrics")).text();
  for (const name of ["kafka_rebalances_total", "kafka_consumer_stalled", "snapshot_writes_total", "shard_fenced_total", "dlq_produce_failures_total"]) {
    expect(text).toContain(`# TYPE balance_engine_${name} `);
  }
});
