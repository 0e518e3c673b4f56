/**
 * Issue 8, item 8: reads work whatever partitioner the producer used. kcat's default (librdkafka's
 * consistent_random) puts keys on other partitions than Kafka's Java default; with two instances,
 * every account must still be readable on both, with its right balance.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { createTopics, ensureServices, eventually, KAFKA_BROKERS, uniqueNames } from "../support/services.ts";

const ACCOUNTS = 24;
const names = uniqueNames("partitioner");
const engines: EngineProcess[] = [];

beforeAll(async () => {
  ensureServices("kafka", "redis");
  await createTopics([names.eod, names.transactions, names.dlq]);
  const env = { ...names.env, SNAPSHOT_INTERVAL_MS: "100" };
  engines.push(await spawnEngine({ ...env, INSTANCE_ID: "one" }, `/tmp/${names.id}.log`));
  engines.push(await spawnEngine({ ...env, INSTANCE_ID: "two" }, `/tmp/${names.id}.log`));
  await eventually(async () => {
    const shards = await Promise.all(engines.map(async (e) => ((await (await fetch(`${e.base}/ready`)).json()) as { shards?: number[] }).shards ?? []));
    return shards.every((s) => s.length > 0) && shards.flat().length === 12;
  }, 60_000, "both instances to share the partitions");
}, 120_000);

afterAll(async () => {
  for (const engine of engines) await engine.terminate();
});

/** Produces `key:value` lines with kcat and librdkafka's own default partitioner. */
function kcatProduce(topic: string, lines: string[]): void {
  const run = Bun.spawnSync(["kcat", "-b", KAFKA_BROKERS, "-t", topic, "-P", "-K", "\t", "-X", "partitioner=consistent_random"], {
    stdin: new TextEncoder().encode(`${lines.join("\n")}\n`), stderr: "pipe",
  });
  if (run.exitCode !== 0) throw new Error(`kcat failed: ${run.stderr}`);
}

test("accounts produced with librdkafka's partitioner are readable on both instances, with their balance", async () => {
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `K${i}`);
  kcatProduce(names.eod, accounts.map((id) => `${id}\t${JSON.stringify({
    type: "EOD_BALANCE", messageId: `e-${id}`, accountId: id, facilityId: "none", balance: "50.00", currency: "USD",
    asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z",
  })}`));
  await eventually(async () => {
    for (const engine of engines) {
      for (const id of accounts) {
        const response = await fetch(`${engine.base}/v1/accounts/${id}/balance`);
        if (response.status !== 200 || ((await response.json()) as { currentBalance: string }).currentBalance !== "50.00") return false;
      }
    }
    return true;
  }, 60_000, "every account on both instances");
  // The case the test is about: librdkafka put some accounts elsewhere than Kafka's Java default would.
  const placed = Bun.spawnSync(["kcat", "-b", KAFKA_BROKERS, "-t", names.eod, "-C", "-e", "-q", "-f", "%k %p\n"], { stdout: "pipe" }).stdout.toString();
  const elsewhere = placed.trim().split("\n").map((line) => line.split(" ")).filter(([key, partition]) => partitionForKey(key!, 12) !== Number(partition));
  expect(elsewhere.length).toBeGreaterThan(0);
});
