/**
 * "If Redis restarts empty, the engine notices and writes whole snapshots again" holds for every
 * shard, not only those with traffic: the engine notices per shard, when a write answers "lost",
 * and a shard with no new traffic would otherwise never be written again; after retention deleted
 * its early records, a crash would then lose its accounts (404 after the restart).
 *
 * Runs its own Redis (port 6391), so it disturbs nothing else.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import Redis from "ioredis";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { deleteRecordsBelow, partitionOffsets, readShardSnapshot, snapshotsCaughtUp } from "../support/redisSnapshots.ts";
import { privateRedis } from "../support/privateRedis.ts";
import { createTopics, deleteTopics, ensureServices, eventually, openProducer, uniqueNames } from "../support/services.ts";

const REDIS_PORT = 6391;
const names = uniqueNames("idle-shard");
const logFile = `/tmp/${names.id}.log`;
const env = { ...names.env, REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`, SNAPSHOT_INTERVAL_MS: "100" };
let redis: Redis;
let producer: Awaited<ReturnType<typeof openProducer>>;
let engine: EngineProcess | null = null;

const privateRedisServer = privateRedis(REDIS_PORT, names.id);
const startRedis = () => privateRedisServer.start();
const stopRedis = () => privateRedisServer.stop();

beforeAll(async () => {
  ensureServices("kafka");
  stopRedis();
  await startRedis();
  redis = new Redis(`redis://127.0.0.1:${REDIS_PORT}`, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
}, 120_000);

afterAll(async () => {
  await engine?.kill9();
  await producer?.disconnect();
  redis?.disconnect();
  stopRedis();
  await deleteTopics([names.eod, names.transactions, names.dlq]); // after the engines stopped
});

test("after Redis restarts empty, a shard with no new traffic is snapshotted again", async () => {
  const busy = "I1";
  const idle = ["I2", "I3", "I4", "I5", "I6"].find((id) => partitionForKey(id, 12) !== partitionForKey(busy, 12))!;
  const topics = [names.eod, names.transactions];
  engine = await spawnEngine(env, logFile);
  await producer.sendMessages(names.eod, [eod({ accountId: busy, facilityId: "none" }), eod({ accountId: idle, facilityId: "none" })]);
  await eventually(() => snapshotsCaughtUp(redis, names.id, topics), 60_000, "the first snapshots");

  stopRedis();
  await startRedis(); // back with nothing
  await producer.sendMessages(names.transactions, [txn({ accountId: busy, amount: "1.00" })]);
  await eventually(async () => (await readShardSnapshot(redis, names.id, partitionForKey(busy, 12))).accounts.has(busy), 30_000, "the busy shard written again");
  // The idle shard: give it as long as the busy one needed and more.
  await eventually(() => snapshotsCaughtUp(redis, names.id, topics), 30_000, `the idle shard ${partitionForKey(idle, 12)} written again (log ${logFile})`)
    .catch(() => {});
  const idleSnapshot = await readShardSnapshot(redis, names.id, partitionForKey(idle, 12));


  // What it costs: retention deletes the idle partition's old records, then the engine crashes.
  const idleShard = partitionForKey(idle, 12);
  const ends = await partitionOffsets(topics);
  await engine.kill9();
  engine = null;
  await deleteRecordsBelow(new Map(topics.map((t) => [t, new Map([[idleShard, ends.get(t)!.get(idleShard)!.high]])])));
  engine = await spawnEngine(env, logFile);
  await eventually(async () => (await fetch(`${engine!.base}/v1/accounts/${busy}/balance`)).status === 200, 60_000, "the busy account back");
  const idleBalance = await fetch(`${engine.base}/v1/accounts/${idle}/balance`);

  expect({ idleShardAccounts: [...idleSnapshot.accounts.keys()], idleBalanceStatus: idleBalance.status })
    .toEqual({ idleShardAccounts: [idle], idleBalanceStatus: 200 });
}, 300_000);
