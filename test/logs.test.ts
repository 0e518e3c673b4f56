/**
 * Logs: every line the process prints is JSON of one shape on stdout (`time`, `level`, `event`
 * first), kafkajs's own lines included; amounts are decimal strings; debug logs each message.
 */
import { expect, test } from "bun:test";
import { eod, startEngineUnderTest, txn } from "./support/engineUnderTest.ts";
import { jsonLines, spawnEngine } from "./support/engineProcess.ts";
import { createTopics, ensureServices, eventually, uniqueNames } from "./support/services.ts";
import { readFileSync } from "node:fs";

test("with Kafka, everything the process prints is a JSON line of the engine's shape, kafkajs's lines included", async () => {
  ensureServices("kafka", "redis");
  const names = uniqueNames("logs");
  await createTopics([names.eod, names.transactions, names.dlq]);
  const logFile = `/tmp/${names.id}.log`;
  const engine = await spawnEngine({ ...names.env, LOG_LEVEL: "debug" }, logFile);
  try {
    await eventually(async () => (await fetch(`${engine.base}/ready`)).status === 200, 60_000, "ready");
  } finally {
    expect(await engine.terminate()).toBe(0);
  }
  // The log file holds stdout and stderr both: any line that is not JSON fails here.
  const lines = jsonLines(readFileSync(logFile, "utf8"));
  for (const line of lines) expect(Object.keys(line).slice(0, 3)).toEqual(["time", "level", "event"]);
  const kafkajs = lines.filter((line) => line.event === "kafka_client");
  expect(kafkajs.length).toBeGreaterThan(0);
  expect(kafkajs.every((line) => typeof line.namespace === "string" && typeof line.message === "string")).toBe(true);
}, 180_000);

test("LOG_LEVEL=debug logs each message's outcome", async () => {
  const lines: string[] = [];
  const engine = await startEngineUnderTest({ LOG_LEVEL: "debug" }, (line) => lines.push(line));
  try {
    await engine.post("/v1/events", [eod({ accountId: "LOG1", messageId: "log-eod" }), txn({ accountId: "LOG1", messageId: "log-bad", amount: 5 })]);
    const processed = lines.map((line) => JSON.parse(line)).filter((line) => line.event === "message_processed");
    expect(processed).toContainEqual(expect.objectContaining({ level: "debug", messageId: "log-eod", accountId: "LOG1", outcome: "applied", source: { kind: "http" } }));
    expect(processed).toContainEqual(expect.objectContaining({ messageId: "log-bad", outcome: "dead_lettered", reason: "invalid_amount" }));
  } finally {
    await engine.stop();
  }
});

test("amounts in log lines are decimal strings, as on the wire", async () => {
  const lines: string[] = [];
  const engine = await startEngineUnderTest({ LOG_LEVEL: "warn" }, (line) => lines.push(line));
  try {
    await engine.post("/v1/events", [
      eod({ accountId: "LOG2", balance: "1000.00", asOfDate: "2026-11-21" }),
      txn({ accountId: "LOG2", amount: "100.00", bookingDate: "2026-11-22" }),
      eod({ accountId: "LOG2", balance: "999.00", asOfDate: "2026-11-22", timestamp: "2026-11-23T00:05:00Z" }),
    ]);
    const mismatch = lines.map((line) => JSON.parse(line)).find((line) => line.event === "eod_mismatch");
    expect(mismatch).toMatchObject({ accountId: "LOG2", currency: "USD", engineClose: "1100.00", eodBalance: "999.00" });
  } finally {
    await engine.stop();
  }
});
