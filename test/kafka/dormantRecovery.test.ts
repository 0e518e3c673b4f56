/**
 * A restart leaves the recovered accounts dormant (kept as their snapshot's text until first
 * used): checked against real Kafka, Redis and Postgres that nothing a user sees changes. Reads
 * and messages wake an account with its balance; a facility change reaches the dormant ones; the
 * Postgres copy converges on every recovered account, dormant or not.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import Redis from "ioredis";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { metricValue } from "../support/metrics.ts";
import { snapshotsCaughtUp } from "../support/redisSnapshots.ts";
import { createDatabase, createTopics, deleteTopics, ensureServices, eventually, openProducer, psql, REDIS_URL, uniqueNames } from "../support/services.ts";

const ACCOUNTS = Array.from({ length: 30 }, (_, i) => `D${i}`);
const FACILITY = "dorm-fac";
const names = uniqueNames("dormant");
const database = names.id.replaceAll("-", "_");
let databaseUrl = "";
let redis: Redis;
let producer: Awaited<ReturnType<typeof openProducer>>;
const engines: EngineProcess[] = [];
const logFile = `/tmp/${names.id}.log`;

const start = async (instanceId: string) => {
  const engine = await spawnEngine({
    ...names.env, DATABASE_URL: databaseUrl, SNAPSHOT_INTERVAL_MS: "100", SYNC_MIN_INTERVAL_MS: "50", SYNC_MAX_DELAY_MS: "100", INSTANCE_ID: instanceId,
  }, logFile);
  engines.push(engine);
  await eventually(async () => (await fetch(`${engine.base}/ready`)).status === 200, 60_000, `ready (log ${logFile})`);
  return engine;
};

const balanceOf = async (engine: EngineProcess, accountId: string) =>
  (await (await fetch(`${engine.base}/v1/accounts/${accountId}/balance`)).json()) as { currentBalance: string; availableBalance: string; version: number };
const putFacility = (engine: EngineProcess, limit: string) => fetch(`${engine.base}/v1/admin/facilities/${FACILITY}`, {
  method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ limit, currency: "USD" }),
});
const dormant = (engine: EngineProcess) => metricValue(engine.base, "accounts_dormant");

/** accountId → 1000.00 EOD + one transaction of (i + 1) cents. */
const expectedCurrent = (i: number) => (1000 + (i + 1) / 100).toFixed(2);

let restarted: EngineProcess;

beforeAll(async () => {
  ensureServices("kafka", "redis", "postgres");
  databaseUrl = createDatabase(database);
  redis = new Redis(REDIS_URL);
  producer = await openProducer();
  await createTopics([names.eod, names.transactions, names.dlq]);

  const first = await start("dormant-a");
  expect((await putFacility(first, "500.00")).status).toBe(200);
  await producer.sendMessages(names.eod, ACCOUNTS.map((accountId) => eod({ accountId, facilityId: FACILITY, balance: "1000.00" })));
  await producer.sendMessages(names.transactions, ACCOUNTS.map((accountId, i) => txn({ accountId, amount: ((i + 1) / 100).toFixed(2) })));
  await eventually(async () => (await balanceOf(first, ACCOUNTS.at(-1)!)).currentBalance === expectedCurrent(ACCOUNTS.length - 1), 60_000, "applied");
  await eventually(() => snapshotsCaughtUp(redis, names.id, [names.eod, names.transactions]), 30_000, "snapshots at the partitions' ends");
  await first.kill9();
  // The copy's rows as a crash could leave them: lost.
  psql(database, "DELETE FROM datalake.account");
  restarted = await start("dormant-b");
}, 300_000);

afterAll(async () => {
  for (const engine of engines) await engine.kill9().catch(() => {});
  await producer?.disconnect();
  redis?.disconnect();
  await deleteTopics([names.eod, names.transactions, names.dlq, names.journal, names.approved, names.ledgerDlq]);
});

test("after a restart the recovered accounts are dormant, and a read wakes one with its balance", async () => {
  expect(await metricValue(restarted.base, "accounts")).toBe(ACCOUNTS.length);
  expect(await dormant(restarted)).toBe(ACCOUNTS.length);
  expect(await balanceOf(restarted, "D3")).toMatchObject({ currentBalance: expectedCurrent(3), availableBalance: (1500 + 4 / 100).toFixed(2), version: 2 });
  expect(await dormant(restarted)).toBe(ACCOUNTS.length - 1);
});

test("the Postgres copy converges on every recovered account, dormant ones included", async () => {
  const rows = () => Number(psql(database, "SELECT count(*) FROM datalake.account").trim());
  await eventually(() => rows() === ACCOUNTS.length, 30_000, "every recovered account's row");
  expect(psql(database, "SELECT account_balance FROM datalake.account WHERE account_id = 'D12'").trim()).toBe(String(100_000 + 13));
  expect(await dormant(restarted)).toBe(ACCOUNTS.length - 1); // copied without being woken
});

test("a message for a dormant account applies on top of its recovered state", async () => {
  await producer.sendMessages(names.transactions, [txn({ accountId: "D7", amount: "-8.00" })]);
  await eventually(async () => (await balanceOf(restarted, "D7")).currentBalance === (1000 + 8 / 100 - 8).toFixed(2), 30_000, "the new transaction applied");
  expect((await balanceOf(restarted, "D7")).version).toBe(3);
});

test("a facility change reaches the accounts that are still dormant", async () => {
  expect((await putFacility(restarted, "700.00")).status).toBe(200);
  for (const [i, accountId] of ACCOUNTS.entries()) {
    if (accountId === "D7") continue;
    expect({ accountId, available: (await balanceOf(restarted, accountId)).availableBalance }).toEqual({ accountId, available: (1700 + (i + 1) / 100).toFixed(2) });
  }
});

