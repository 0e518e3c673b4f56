/** /metrics: one namespace, what the process is, HTTP requests, and only the metrics of the mode that runs. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import packageJson from "../../package.json" with { type: "json" };
import { startEngineUnderTest, type EngineUnderTest } from "../support/engineUnderTest.ts";

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
