/**
 * The Redis snapshot path, checked where it can fail. Replaying a partition from its first offset
 * gives the same balances as a snapshot would, so balances alone cannot tell whether snapshots are
 * written, read, or start the replay at the right offset. These tests look inside Redis, delete
 * the records a snapshot covers (as retention does) so that only the snapshot can bring their
 * effect back, and count the records a restart replays. Each test has its own topics, group and
 * key prefix; the engine runs as a process so that it can be killed with SIGKILL.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import Redis from "ioredis";
import { balanceViewOf } from "../../src/domain/account/balanceView.ts";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import { decodeAccount } from "../../src/adapters/redis/accountCodec.ts";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { scrapeMetrics } from "../support/metrics.ts";
import { deleteRecordsBelowSnapshots, partitionOffsets, readShardSnapshot, snapshotsCaughtUp } from "../support/redisSnapshots.ts";
import { createTopics, deleteTopics, ensureServices, eventually, openProducer, REDIS_URL, uniqueNames } from "../support/services.ts";

const ACCOUNTS = Array.from({ length: 24 }, (_, i) => `S${i}`);
let redis: Redis;
let producer: Awaited<ReturnType<typeof openProducer>>;
const engines: EngineProcess[] = [];
const topicsCreated: string[] = [];

beforeAll(async () => {
  ensureServices("kafka", "redis");
  redis = new Redis(REDIS_URL);
  producer = await openProducer();
}, 120_000);

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.kill9().catch(() => {});
});

afterAll(async () => {
  await producer?.disconnect();
  redis?.disconnect();
  await deleteTopics(topicsCreated);
});

/** Topics, group and Redis prefix of one test, and the balances its stream must produce. */
class Scenario {
  readonly names;
  readonly topics: string[];
  readonly logFile: string;
  /** accountId → the current balance the stream so far must give. */
  readonly expectedMinor = new Map<string, number>();
  /** accountId → its intraday total so far (an EOD fix of the same day keeps it). */
  private readonly intradayMinor = new Map<string, number>();

  constructor(label: string) {
    this.names = uniqueNames(label);
    this.topics = [this.names.eod, this.names.transactions];
    this.logFile = `/tmp/${this.names.id}.log`;
  }

  async createTopics(): Promise<this> {
    const topics = [this.names.eod, this.names.transactions, this.names.dlq];
    await createTopics(topics);
    topicsCreated.push(...topics);
    return this;
  }

  async start(instanceId: string): Promise<EngineProcess> {
    const engine = await spawnEngine({ ...this.names.env, SNAPSHOT_INTERVAL_MS: "100", INSTANCE_ID: instanceId }, this.logFile);
    engines.push(engine);
    return engine;
  }

  /** An EOD for 2026-11-21 for every account; returns how many records it produced. */
  async produceEods(balanceMinor = 100_000, timestamp = "2026-11-22T00:05:00Z"): Promise<number> {
    for (const id of ACCOUNTS) this.expectedMinor.set(id, balanceMinor + (this.intradayMinor.get(id) ?? 0));
    await producer.sendMessages(this.names.eod, ACCOUNTS.map((id) =>
      eod({ accountId: id, facilityId: "none", balance: (balanceMinor / 100).toFixed(2), timestamp })));
    return ACCOUNTS.length;
  }

  /** `perAccount` transactions for every account; returns how many records it produced. */
  async produceTransactions(perAccount: number): Promise<number> {
    const batch = ACCOUNTS.flatMap((id, i) => Array.from({ length: perAccount }, (_, k) => {
      const amountMinor = (i + 1) * 100 + k;
      this.intradayMinor.set(id, (this.intradayMinor.get(id) ?? 0) + amountMinor);
      this.expectedMinor.set(id, (this.expectedMinor.get(id) ?? 0) + amountMinor);
      return txn({ accountId: id, amount: (amountMinor / 100).toFixed(2) });
    }));
    await producer.sendMessages(this.names.transactions, batch);
    return batch.length;
  }
}

const scenario = (label: string) => new Scenario(label).createTopics();

async function balancesRight(engine: EngineProcess, expectedMinor: Map<string, number>): Promise<boolean> {
  for (const [id, minor] of expectedMinor) {
    const response = await fetch(`${engine.base}/v1/accounts/${id}/balance`);
    if (response.status !== 200) return false;
    if (((await response.json()) as { currentBalance: string }).currentBalance !== (minor / 100).toFixed(2)) return false;
  }
  return true;
}

test("every shard's snapshot in Redis holds its accounts' states, the offsets of every record applied, and the instance's claim", async () => {
  const s = await scenario("snap-keys");
  const engine = await s.start("snap-keys-a");
  await s.produceEods();
  await s.produceTransactions(3);
  await eventually(() => balancesRight(engine, s.expectedMinor), 60_000, `balances (log ${s.logFile})`);
  await eventually(() => snapshotsCaughtUp(redis, s.names.id, s.topics), 30_000, "snapshots at the partitions' ends");

  const epoch = Number(await redis.get(`${s.names.id}:epoch`));
  const inputs = [...s.topics, s.names.journal]; // the transfer journal is an input too (empty here)
  const ends = await partitionOffsets(inputs);
  for (let shard = 0; shard < 12; shard++) {
    const snapshot = await readShardSnapshot(redis, s.names.id, shard);
    const mine = ACCOUNTS.filter((id) => partitionForKey(id, 12) === shard);
    expect({ shard, accounts: [...snapshot.accounts.keys()].sort() }).toEqual({ shard, accounts: mine.sort() });
    for (const id of mine) {
      const view = balanceViewOf(decodeAccount(snapshot.accounts.get(id)!));
      expect({ id, currentBalance: view?.currentBalance }).toEqual({ id, currentBalance: (s.expectedMinor.get(id)! / 100).toFixed(2) });
    }
    if (mine.length === 0) continue;
    expect({ shard, offsets: snapshot.offsets }).toEqual({
      shard, offsets: Object.fromEntries(inputs.map((topic) => [topic, ends.get(topic)!.get(shard)!.high])),
    });
    expect({ shard, instance: snapshot.owner.instance }).toEqual({ shard, instance: "snap-keys-a" });
    expect(Number(snapshot.owner.generation)).toBeGreaterThanOrEqual(1);
    expect(Number(snapshot.owner.generation)).toBeLessThanOrEqual(epoch);
  }
}, 300_000);

test("a restart resumes from the snapshot: with every record below the snapshot's offsets deleted, each balance is still right", async () => {
  const s = await scenario("snap-resume");
  const first = await s.start("snap-resume-a");
  await s.produceEods();
  await s.produceTransactions(3);
  await eventually(() => balancesRight(first, s.expectedMinor), 60_000, `balances (log ${s.logFile})`);
  await eventually(() => snapshotsCaughtUp(redis, s.names.id, s.topics), 30_000, "snapshots at the partitions' ends");
  await first.kill9();

  // Retention's work, done now: the records the snapshots cover are gone from the topics.
  const deleted = await deleteRecordsBelowSnapshots(redis, s.names.id, s.topics);
  expect(deleted).toBe(ACCOUNTS.length * 4);
  const starts = await partitionOffsets(s.topics);
  for (const topic of s.topics) for (const { low, high } of starts.get(topic)!.values()) expect(low).toBe(high);

  await s.produceTransactions(2);
  const second = await s.start("snap-resume-b");
  await eventually(() => balancesRight(second, s.expectedMinor), 60_000, `balances after the restart (log ${s.logFile})`);
}, 300_000);

test("a restart replays only the records after the snapshot's offsets, not one more", async () => {
  const s = await scenario("snap-replay");
  const first = await s.start("snap-replay-a");
  await s.produceEods();
  await s.produceTransactions(3);
  await eventually(() => balancesRight(first, s.expectedMinor), 60_000, `balances (log ${s.logFile})`);
  await eventually(() => snapshotsCaughtUp(redis, s.names.id, s.topics), 30_000, "snapshots at the partitions' ends");
  await first.kill9();

  // After the kill: a fix of every account's EOD and two transactions each, on every partition
  // that holds records, so that a replay from too early an offset in either topic would show.
  const after = (await s.produceEods(200_000, "2026-11-22T06:00:00Z")) + (await s.produceTransactions(2));
  const second = await s.start("snap-replay-b");
  await eventually(() => balancesRight(second, s.expectedMinor), 60_000, `balances after the restart (log ${s.logFile})`);
  await eventually(async () => (await fetch(`${second.base}/ready`)).status === 200, 30_000, "ready");
  const metrics = await scrapeMetrics(second.base);
  const replayed = s.topics.reduce((sum, topic) => sum + metrics.sum("messages_total", { topic }), 0);
  expect({ replayed }).toEqual({ replayed: after });
}, 300_000);
