/** /metrics: one namespace, what the process is, HTTP requests, and only the metrics of the mode that runs. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import packageJson from "../../package.json" with { type: "json" };
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { metricDelta, scrapeMetrics } from "../support/metrics.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest();
});
afterAll(() => engine.stop());

const scrape = async () => (await engine.get("/metrics")).text();

/** The value of one sample line, `name{labels} value`, or undefined when absent. */
function sample(text: string, nameAndLabels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${nameAndLabels} `));
  return line === undefined ? undefined : Number(line.slice(nameAndLabels.length + 1));
}

test("every metric name has the prefix balance_engine_", async () => {
  const names = (await scrape()).split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]!);
  expect(names.length).toBeGreaterThan(20);
  expect(names.filter((name) => !name.startsWith("balance_engine_"))).toEqual([]);
});

test("build_info names the engine's version and Bun's version", async () => {
  const labels = `{version="${packageJson.version}",bun_version="${Bun.version}"}`;
  expect(sample(await scrape(), `balance_engine_build_info${labels}`)).toBe(1);
});

test("process_start_time_seconds is when this process started", async () => {
  const startedAt = sample(await scrape(), "balance_engine_process_start_time_seconds")!;
  expect(Math.abs(startedAt - performance.timeOrigin / 1000)).toBeLessThan(1);
});

test("Kafka and snapshot metrics are not registered in embedded mode", async () => {
  const names = (await scrape()).split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]!);
  expect(names.filter((name) => /kafka|snapshot|shard_fenced|dlq_produce|sync_rows_fenced/.test(name))).toEqual([]);
});

test("each HTTP request is counted and timed by method, route template and status", async () => {
  await engine.get("/v1/accounts/metrics-nobody/balance");
  await engine.get("/v1/accounts/metrics-nobody/balance");
  const text = await scrape();
  const labels = '{method="GET",route="/v1/accounts/:accountId/balance",status="404"}';
  expect(sample(text, `balance_engine_http_requests_total${labels}`)).toBe(2);
  expect(sample(text, `balance_engine_http_request_duration_seconds_count${labels}`)).toBe(2);
});

test("a request for no route is counted under route unmatched, so paths cannot grow the label set", async () => {
  await engine.get("/no/such/path/1");
  await engine.get("/no/such/path/2");
  const text = await scrape();
  expect(sample(text, 'balance_engine_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(2);
  expect(text).not.toContain("/no/such/path");
});

test("a currency mismatch is counted in messages_invalid_total, as dlq_total counts it", async () => {
  await engine.post("/v1/events", [eod({ accountId: "MX1", currency: "USD" }), txn({ accountId: "MX1", currency: "EUR" })]);
  const text = await scrape();
  expect(sample(text, 'balance_engine_dlq_total{reason="currency_mismatch"}')).toBe(1);
  expect(sample(text, 'balance_engine_messages_invalid_total{reason="currency_mismatch"}')).toBe(1);
});

test("a transaction whose total would leave the range counts in messages_invalid_total{reason=\"out_of_range\"}", async () => {
  await engine.post("/v1/events", eod({ accountId: "R1", facilityId: "none", balance: "90071992547409.00" }));
  const before = await scrapeMetrics(engine.base);
  const response = await engine.post("/v1/events", txn({ accountId: "R1", amount: "1.00" }));
  expect((await bodyOf(response)).results[0]).toMatchObject({ outcome: "dead_lettered", reason: "out_of_range" });
  const after = await scrapeMetrics(engine.base);
  expect(metricDelta(before, after, "dlq_total", { reason: "out_of_range" })).toBe(1);
  expect(metricDelta(before, after, "messages_invalid_total", { reason: "out_of_range" })).toBe(1);
});

test("an invalid message whose type was readable is counted under its topic, not under unknown", async () => {
  const deadLettered = async () => {
    const text = await scrape();
    const of = (topic: string) => sample(text, `balance_engine_messages_total{topic="${topic}",outcome="dead_lettered"}`) ?? 0;
    return { transactions: of("bank.transactions"), eod: of("bank.balances.eod"), unknown: of("unknown") };
  };
  const before = await deadLettered();
  await engine.post("/v1/events", [txn({ accountId: "MX2", amount: 5 }), { type: "EOD_BALANCE", accountId: "MX2" }, { type: "NONSENSE" }]);
  const after = await deadLettered();
  expect({ transactions: after.transactions - before.transactions, eod: after.eod - before.eod, unknown: after.unknown - before.unknown })
    .toEqual({ transactions: 1, eod: 1, unknown: 1 });
});
