/** The whole pipeline: Kafka → engine → ClickHouse holds every event, and velocity agrees with it. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { createTopics, deleteTopics, ensureServices, eventually, openProducer, uniqueNames } from "../support/services.ts";

const names = uniqueNames("eventlog");
const database = names.id.replaceAll("-", "_");
let engine: EngineUnderTest;
let producer: Awaited<ReturnType<typeof openProducer>>;

async function clickhouse(query: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:8123/?query=${encodeURIComponent(query)}`);
  if (!response.ok) throw new Error(await response.text());
  return (await response.text()).trim();
}

beforeAll(async () => {
  ensureServices("kafka", "redis", "clickhouse");
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
  engine = await startEngineUnderTest({
    ...names.env, CLICKHOUSE_URL: "http://127.0.0.1:8123", CLICKHOUSE_DATABASE: database, EVENT_LOG_FLUSH_MS: "100",
  });
  await eventually(async () => (await engine.get("/ready")).status === 200, 60_000, "ready");
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await engine?.stop();
  await clickhouse(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
  await deleteTopics([names.eod, names.transactions, names.dlq]); // after the engines stopped
});

test("every message reaches the ClickHouse event log with its outcome, and velocity agrees with the log", async () => {
  const created = [txn({ accountId: "V1", amount: "10.00" }), txn({ accountId: "V1", amount: "15000.00" }), txn({ accountId: "V1", amount: "-2.50" })];
  const removed = txn({ accountId: "V1", eventType: "TRANSACTION_REMOVED", amount: "1.00" });
  await producer.sendMessages(names.eod, [eod({ accountId: "V1", facilityId: "none" })]);
  // The topics are not ordered with each other: let the EOD land first, so that the late
  // transaction below meets it (before_eod) rather than being applied and then closed by it.
  await eventually(async () => (await engine.get("/v1/accounts/V1/balance")).status === 200, 30_000, "the EOD");
  await producer.sendMessages(names.transactions, [...created, removed, created[0]!, "{broken", txn({ accountId: "V1", bookingDate: "2026-11-01" })]);
  const sent = 1 + 4 + 3;

  const count = () => clickhouse(`SELECT count() FROM ${database}.transaction_events`);
  await eventually(async () => Number(await count()) === sent, 60_000, "every event in ClickHouse");
  const outcomes = await clickhouse(`SELECT outcome, reason, count() FROM ${database}.transaction_events GROUP BY outcome, reason ORDER BY outcome, reason FORMAT CSV`);
  expect(outcomes.split("\n")).toEqual([
    '"applied","",5', '"dead_lettered","before_eod",1', '"dead_lettered","invalid_json",1', '"duplicate","",1',
  ]);

  const velocity = await bodyOf(await engine.get("/v1/accounts/V1/velocity"));
  const direct = await clickhouse(
    `SELECT count(), sum(if(event_type = 'TRANSACTION_REMOVED', -amount_minor, amount_minor)) FROM ${database}.transaction_events ` +
      `WHERE account_id = 'V1' AND outcome = 'applied' AND type = 'TRANSACTION' FORMAT CSV`,
  );
  expect(direct).toBe("4,1500650");
  for (const window of ["1h", "24h", "7d"]) expect(velocity.windows[window]).toMatchObject({ count: 4, sum: "15006.50" });
});
