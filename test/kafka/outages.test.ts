/**
 * Outages: a broker restart, a Redis restart and a Postgres outage each leave the engine serving
 * reads from memory, reporting not-ready or degraded, and recovering without loss.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import {
  createDatabase, createTopics, ensureServices, eventually, openProducer, psql, run, uniqueNames,
} from "../support/services.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const REDIS_PORT = 6390; // a Redis of this test's own, so that restarting it disturbs nothing else
const names = uniqueNames("outage");
const database = names.id.replaceAll("-", "_");
const logFile = `/tmp/${names.id}.log`;
let producer: Awaited<ReturnType<typeof openProducer>>;
let engine: EngineProcess;
let expectedMinor = 100_000;

const startRedis = () => run(["redis-server", "--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes", "--logfile", `/tmp/${names.id}-redis.log`]);
const stopRedis = () => Bun.spawnSync(["redis-cli", "-p", String(REDIS_PORT), "shutdown", "nosave"]);

beforeAll(async () => {
  ensureServices("kafka", "redis", "postgres");
  stopRedis();
  startRedis();
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
  engine = await spawnEngine(engineEnv(), logFile);
  await producer.sendMessages(names.eod, [eod({ accountId: "O1", balance: "1000.00", facilityId: "none" })]);
  await eventually(async () => (await currentBalance()) === "1000.00", 60_000, "the first EOD");
}, 180_000);

afterAll(async () => {
  await engine?.terminate();
  await producer?.disconnect();
  stopRedis();
  Bun.spawnSync(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`]);
});

function engineEnv(): Record<string, string> {
  return {
    ...names.env, REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`, DATABASE_URL: databaseUrl(),
    SNAPSHOT_INTERVAL_MS: "100", KAFKA_STALL_MS: "3000", SYNC_MIN_INTERVAL_MS: "100", SYNC_MAX_DELAY_MS: "200",
  };
}

let url: string | null = null;
function databaseUrl(): string {
  url ??= createDatabase(database);
  return url;
}

async function currentBalance(): Promise<string | null> {
  const response = await fetch(`${engine.base}/v1/accounts/O1/balance`);
  return response.status === 200 ? ((await response.json()) as { currentBalance: string }).currentBalance : null;
}

async function readiness(): Promise<{ httpStatus: number; status: string; degraded: string[] }> {
  const response = await fetch(`${engine.base}/ready`);
  const body = (await response.json()) as { status: string; degraded: string[] };
  return { httpStatus: response.status, ...body };
}

async function produceTransactions(count: number): Promise<void> {
  const batch = Array.from({ length: count }, (_, i) => {
    expectedMinor += i + 1;
    return txn({ accountId: "O1", amount: ((i + 1) / 100).toFixed(2) });
  });
  await producer.sendMessages(names.transactions, batch);
}

const expected = () => (expectedMinor / 100).toFixed(2);

test("a broker restart: reads keep coming from memory, /ready says not ready, then it catches up without loss", async () => {
  await produceTransactions(20);
  await eventually(async () => (await currentBalance()) === expected(), 30_000, "before the outage");
  run(["bash", `${ROOT}scripts/services-down.sh`, "kafka"]);
  await eventually(async () => (await readiness()).httpStatus === 503, 60_000, "not ready while the broker is down");
  expect(await currentBalance()).toBe(expected());
  run(["bash", `${ROOT}scripts/services-up.sh`, "kafka"]);
  await produceTransactions(20);
  await eventually(async () => (await currentBalance()) === expected(), 120_000, "catching up after the broker is back");
  await eventually(async () => (await readiness()).httpStatus === 200, 60_000, "ready again");
}, 300_000);

test("a Redis restart (empty): reads go on, /ready says degraded, and a later crash still recovers every cent", async () => {
  stopRedis();
  await eventually(async () => (await readiness()).degraded.includes("redis"), 30_000, "degraded while Redis is down");
  expect(await currentBalance()).toBe(expected());
  await produceTransactions(10);
  await eventually(async () => (await currentBalance()) === expected(), 30_000, "applying while Redis is down");
  startRedis(); // it comes back with nothing: the engine must write whole snapshots again
  await eventually(async () => !(await readiness()).degraded.includes("redis"), 30_000, "Redis back");
  await produceTransactions(10);
  await eventually(async () => (await currentBalance()) === expected(), 30_000, "after Redis is back");
  await Bun.sleep(500); // a few snapshot passes (100 ms each) write the shards again
  await engine.kill9();
  engine = await spawnEngine(engineEnv(), logFile);
  await eventually(async () => (await currentBalance()) === expected(), 60_000, "recovery after the crash");
}, 300_000);

test("a Postgres outage: reads go on from memory, /ready says degraded, and the copy converges once it is back", async () => {
  const readCopy = async () => {
    const response = await fetch(`${engine.base}/v1/accounts/O1/balance?source=db`);
    return response.status === 200 ? ((await response.json()) as { currentBalance: string }).currentBalance : null;
  };
  await eventually(async () => (await readCopy()) === expected(), 30_000, "the copy before the outage");
  psql("postgres", `ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
  psql("postgres", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`);
  await produceTransactions(15);
  await eventually(async () => (await currentBalance()) === expected(), 30_000, "applying while Postgres is down");
  await eventually(async () => (await readiness()).degraded.includes("databaseSync"), 30_000, "degraded while Postgres is down");
  expect((await readiness()).httpStatus).toBe(200);
  psql("postgres", `ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
  await eventually(async () => (await readCopy()) === expected(), 60_000, "the copy after Postgres is back");
  await eventually(async () => (await readiness()).degraded.length === 0, 30_000, "no longer degraded");
}, 300_000);
