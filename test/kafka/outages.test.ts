/**
 * Outages: a broker restart, a Redis restart and a Postgres outage each leave the engine serving
 * reads from memory, reporting not-ready or degraded, and recovering without loss. Each test
 * starts from nothing of the others: its own topics, group, key prefix, database and engine, and
 * it brings up what it needs. Redis (port 6390) and Postgres (port 5440, scripts/private-postgres.sh)
 * are this file's own, so stopping them disturbs nothing else; the broker is the shared one, so
 * run this file alone: `flock -x /tmp/svc.lock bun test test/kafka/outages.test.ts`.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import Redis from "ioredis";
import { balanceViewOf } from "../../src/domain/account/balanceView.ts";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import { decodeAccount } from "../../src/adapters/redis/accountCodec.ts";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { deleteRecordsBelowSnapshots, readShardSnapshot, snapshotsCaughtUp } from "../support/redisSnapshots.ts";
import { privateRedis } from "../support/privateRedis.ts";
import { createTopics, deleteTopics, ensureServices, eventually, openProducer, run, uniqueNames } from "../support/services.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const REDIS_PORT = 6390;
const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;
const PG_PORT = 5440;
const runId = uniqueNames("outage").id;
let producer: Awaited<ReturnType<typeof openProducer>>;
let redis: Redis;
const engines: EngineProcess[] = [];
const topicsCreated: string[] = [];

/** This file's Redis (empty: no persistence); started unless it answers already. */
const privateRedisServer = privateRedis(REDIS_PORT, runId);
const startRedis = () => privateRedisServer.start();
const stopRedis = () => privateRedisServer.stop();
const privatePostgres = (action: "start" | "stop" | "clean") => run(["bash", `${ROOT}scripts/private-postgres.sh`, action, String(PG_PORT)]);

beforeAll(async () => {
  ensureServices("kafka", "redis", "postgres");
  await startRedis();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on("error", () => {}); // the test stops this Redis on purpose
  producer = await openProducer();
}, 180_000);

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.terminate().catch(() => {});
});

afterAll(async () => {
  await deleteTopics(topicsCreated); // the engines stopped in afterEach
  await producer?.disconnect();
  redis?.disconnect();
  stopRedis();
  privatePostgres("clean");
});

/** One test's world: topics, group, key prefix and the engine processes, and the balances they must show. */
class Outage {
  readonly names;
  readonly logFile: string;
  readonly expectedMinor = new Map<string, number>();
  engine!: EngineProcess;

  constructor(label: string, private readonly env: Record<string, string> = {}) {
    this.names = uniqueNames(label);
    this.logFile = `/tmp/${this.names.id}.log`;
  }

  /** Creates the topics, starts an engine and applies an EOD of 1000.00 to each account. */
  async begin(accounts: string[]): Promise<this> {
    ensureServices("kafka");
    await startRedis();
    const topics = [this.names.eod, this.names.transactions, this.names.dlq];
    await createTopics(topics);
    topicsCreated.push(...topics);
    await this.restart();
    await producer.sendMessages(this.names.eod, accounts.map((id) => eod({ accountId: id, balance: "1000.00", facilityId: "none" })));
    for (const id of accounts) this.expectedMinor.set(id, 100_000);
    await eventually(() => this.balancesRight(), 60_000, `the first EODs (log ${this.logFile})`);
    return this;
  }

  async restart(): Promise<void> {
    this.engine = await spawnEngine({
      ...this.names.env, REDIS_URL, SNAPSHOT_INTERVAL_MS: "100", KAFKA_STALL_MS: "3000",
      SYNC_MIN_INTERVAL_MS: "100", SYNC_MAX_DELAY_MS: "200", ...this.env,
    }, this.logFile);
    engines.push(this.engine);
  }

  async currentBalance(accountId: string, source = ""): Promise<string | null> {
    const response = await fetch(`${this.engine.base}/v1/accounts/${accountId}/balance${source}`);
    return response.status === 200 ? ((await response.json()) as { currentBalance: string }).currentBalance : null;
  }

  expected(accountId: string): string {
    return (this.expectedMinor.get(accountId)! / 100).toFixed(2);
  }

  async balancesRight(): Promise<boolean> {
    for (const id of this.expectedMinor.keys()) if ((await this.currentBalance(id)) !== this.expected(id)) return false;
    return true;
  }

  async readiness(): Promise<{ httpStatus: number; status: string; degraded: string[] }> {
    const response = await fetch(`${this.engine.base}/ready`);
    const body = (await response.json()) as { status: string; degraded: string[] };
    return { httpStatus: response.status, ...body };
  }

  async produceTransactions(accountId: string, count: number): Promise<void> {
    const batch = Array.from({ length: count }, (_, i) => {
      this.expectedMinor.set(accountId, this.expectedMinor.get(accountId)! + i + 1);
      return txn({ accountId, amount: ((i + 1) / 100).toFixed(2) });
    });
    await producer.sendMessages(this.names.transactions, batch);
  }
}

test("a broker restart: reads keep coming from memory, /ready says not ready, then it catches up without loss", async () => {
  const outage = await new Outage("outage-broker").begin(["O1"]);
  await outage.produceTransactions("O1", 20);
  await eventually(() => outage.balancesRight(), 30_000, "before the outage");
  run(["bash", `${ROOT}scripts/services-down.sh`, "kafka"]);
  try {
    await eventually(async () => (await outage.readiness()).httpStatus === 503, 60_000, "not ready while the broker is down");
    expect(await outage.currentBalance("O1")).toBe(outage.expected("O1"));
  } finally {
    run(["bash", `${ROOT}scripts/services-up.sh`, "kafka"]);
  }
  await outage.produceTransactions("O1", 20);
  await eventually(() => outage.balancesRight(), 120_000, "catching up after the broker is back");
  await eventually(async () => (await outage.readiness()).httpStatus === 200, 60_000, "ready again");
}, 300_000);

test("a Redis restart (empty): reads go on, /ready says degraded, whole snapshots are written again, and a crash after it recovers every cent", async () => {
  // Two accounts of one shard; only O1 moves after Redis is back: the shard's snapshot must
  // still hold O2, which did not change since.
  const shard = partitionForKey("O1", 12);
  const second = Array.from({ length: 100 }, (_, i) => `O${i + 2}`).find((id) => partitionForKey(id, 12) === shard)!;
  const accounts = ["O1", second];
  const outage = await new Outage("outage-redis").begin(accounts);
  const prefix = outage.names.id;
  const topics = [outage.names.eod, outage.names.transactions];
  await eventually(() => snapshotsCaughtUp(redis, prefix, topics), 30_000, "the first snapshots");

  stopRedis();
  await eventually(async () => (await outage.readiness()).degraded.includes("redis"), 30_000, "degraded while Redis is down");
  expect(await outage.currentBalance("O1")).toBe(outage.expected("O1"));
  await outage.produceTransactions("O1", 10);
  await eventually(() => outage.balancesRight(), 30_000, "applying while Redis is down");

  await startRedis(); // it comes back with nothing
  await eventually(async () => !(await outage.readiness()).degraded.includes("redis"), 30_000, "Redis back");
  await outage.produceTransactions("O1", 10);
  await eventually(() => outage.balancesRight(), 30_000, "after Redis is back");
  // The engine notices the lost shard and writes it whole again: both accounts, with today's figures.
  const snapshotBalance = (encoded: string | undefined) => (encoded === undefined ? null : balanceViewOf(decodeAccount(encoded))?.currentBalance);
  await eventually(async () => {
    if (!(await snapshotsCaughtUp(redis, prefix, topics))) return false;
    const { accounts: stored } = await readShardSnapshot(redis, prefix, shard);
    return accounts.every((id) => snapshotBalance(stored.get(id)) === outage.expected(id));
  }, 30_000, `shard ${shard} written whole again (log ${outage.logFile})`);

  // Only the snapshot can bring back what the deleted records did.
  await outage.engine.kill9();
  expect(await deleteRecordsBelowSnapshots(redis, prefix, topics)).toBeGreaterThan(0);
  await outage.restart();
  await eventually(() => outage.balancesRight(), 60_000, `recovery after the crash (log ${outage.logFile})`);
}, 300_000);

test("a Postgres outage: reads go on from memory, /ready says degraded, and the copy converges once it is back", async () => {
  privatePostgres("start");
  const database = uniqueNames("outage_pg").id.replaceAll("-", "_");
  run(["psql", "-h", "127.0.0.1", "-p", String(PG_PORT), "-U", "postgres", "-c", `CREATE DATABASE "${database}"`]);
  const outage = await new Outage("outage-pg", { DATABASE_URL: `postgres://postgres@127.0.0.1:${PG_PORT}/${database}` }).begin(["O1"]);
  await eventually(async () => (await outage.currentBalance("O1", "?source=db")) === outage.expected("O1"), 30_000, "the copy before the outage");

  privatePostgres("stop"); // the server is down: connections are refused
  try {
    await outage.produceTransactions("O1", 15);
    await eventually(() => outage.balancesRight(), 30_000, "applying while Postgres is down");
    await eventually(async () => (await outage.readiness()).degraded.includes("databaseSync"), 30_000, "degraded while Postgres is down");
    expect((await outage.readiness()).httpStatus).toBe(200);
  } finally {
    privatePostgres("start");
  }
  await eventually(async () => (await outage.currentBalance("O1", "?source=db")) === outage.expected("O1"), 60_000, "the copy after Postgres is back");
  await eventually(async () => (await outage.readiness()).degraded.length === 0, 30_000, "no longer degraded");
}, 300_000);

test("a 20 s Postgres outage with EODs whose facility is not cached: the other accounts keep updating, the waiting ones catch up after, nothing lost", async () => {
  privatePostgres("start");
  const database = uniqueNames("outage_fac").id.replaceAll("-", "_");
  const psql = (sql: string) => run(["psql", "-h", "127.0.0.1", "-p", String(PG_PORT), "-U", "postgres", "-d", database, "-c", sql]);
  run(["psql", "-h", "127.0.0.1", "-p", String(PG_PORT), "-U", "postgres", "-c", `CREATE DATABASE "${database}"`]);
  const busy = ["PB1", "PB2", "PB3"];
  const waiting = ["PW1", "PW2", "PW3"];
  const outage = await new Outage("outage-fac", { DATABASE_URL: `postgres://postgres@127.0.0.1:${PG_PORT}/${database}` }).begin([...busy, ...waiting]);
  psql("INSERT INTO datasource.facility (facility_id, facility_limit, currency) VALUES ('FW', 50000, 'USD')"); // never looked up yet

  privatePostgres("stop");
  const stoppedAt = Date.now();
  try {
    await producer.sendMessages(outage.names.eod, waiting.map((accountId) =>
      eod({ accountId, facilityId: "FW", balance: "2000.00", asOfDate: "2026-11-22", timestamp: "2026-11-23T00:05:00Z" })));
    for (const id of waiting) outage.expectedMinor.set(id, 200_000);
    // While the lookups wait, and after they gave up, every other account keeps up: each round is
    // applied within seconds, for the whole 20 s.
    for (let round = 0; Date.now() - stoppedAt < 20_000; round++) {
      for (const id of busy) await outage.produceTransactions(id, 3);
      await eventually(async () => {
        for (const id of busy) if ((await outage.currentBalance(id)) !== outage.expected(id)) return false;
        return true;
      }, 10_000, `round ${round} of the busy accounts during the outage (log ${outage.logFile})`);
      await Bun.sleep(1000);
    }
    // Past FACILITY_LOOKUP_WAIT_MS the EODs were applied with the limit unknown.
    for (const id of waiting) {
      const body = (await (await fetch(`${outage.engine.base}/v1/accounts/${id}/balance`)).json()) as Record<string, unknown>;
      expect({ id, currentBalance: body.currentBalance, facilityLimit: body.facilityLimit, availableBalance: body.availableBalance })
        .toEqual({ id, currentBalance: "2000.00", facilityLimit: null, availableBalance: null });
    }
  } finally {
    privatePostgres("start");
  }
  // Back: the refresher reads FW and gives every waiting account its limit; nothing was lost.
  await eventually(async () => {
    for (const id of waiting) {
      const body = (await (await fetch(`${outage.engine.base}/v1/accounts/${id}/balance`)).json()) as Record<string, unknown>;
      if (body.facilityLimit !== "500.00" || body.availableBalance !== "2500.00") return false;
    }
    return true;
  }, 90_000, `the waiting accounts' limit once Postgres is back (log ${outage.logFile})`);
  expect(await outage.balancesRight()).toBe(true);
  await eventually(async () => {
    for (const id of [...busy, ...waiting]) if ((await outage.currentBalance(id, "?source=db")) !== outage.expected(id)) return false;
    return true;
  }, 60_000, "the copy of every account after Postgres is back");
}, 300_000);
