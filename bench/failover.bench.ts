/**
 * failover: time from a kill -9 of one of two engine instances to the survivor applying a message
 * the dead instance would have applied (a transaction produced after the kill, for an account on
 * one of its partitions). Baseline in the same run: two bare kafkajs group members with the same
 * session timeout, killed the same way: how soon Kafka's group alone hands a partition over.
 */
import type { Subprocess } from "bun";
import { partitionForKey } from "../src/runtime/partitionForKey.ts";
import type { Benchmark } from "./lib/benchResult.ts";
import { BENCH_BUS_SECRET, BENCH_ROOT, ensureServices, startEngineProcess, waitUntil, type EngineUnderBench } from "./lib/benchServices.ts";
import { BenchTopics, BROKERS, deleteRedisPrefix, kafkaClient, REDIS_URL, round, uniqueName } from "./lib/kafkaBenchKit.ts";

const ROUNDS = 5;
const ACCOUNTS = 48;
const SHARDS = 12;
const PRODUCE_EVERY_MS = 10;
/** The engine's default (src/config.ts); the baseline uses the same. */
const SESSION_TIMEOUT_MS = Number(process.env.BENCH_SESSION_TIMEOUT_MS ?? 2000);
const HEARTBEAT_MS = Math.max(200, Math.floor(SESSION_TIMEOUT_MS / 4));

const account = (i: number) => `F${i}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function eod(i: number) {
  return JSON.stringify({ type: "EOD_BALANCE", messageId: `e-${i}`, accountId: account(i), facilityId: "none", balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:00:00Z" });
}

function cents(seq: number, accountId: string) {
  return JSON.stringify({ type: "TRANSACTION", messageId: `m-${seq}`, accountId, eventType: "TRANSACTION_CREATED", transactionId: `t-${seq}`, amount: "0.01", currency: "USD", bookingDate: "2026-11-22", timestamp: "2026-11-22T09:00:00Z" });
}

async function shardsOf(engine: EngineUnderBench): Promise<number[]> {
  const body = (await (await fetch(`${engine.base}/ready`)).json()) as { status: string; shards?: number[] };
  return body.status === "ready" ? (body.shards ?? []) : [];
}

/** Both instances ready and sharing all partitions; the shards the first one owns. */
async function shared(a: EngineUnderBench, b: EngineUnderBench): Promise<number[]> {
  let owned: number[] = [];
  await waitUntil(async () => {
    const [sa, sb] = [await shardsOf(a), await shardsOf(b)];
    owned = sa;
    return sa.length > 0 && sb.length > 0 && sa.length + sb.length === SHARDS;
  }, 120_000, "both instances to share the partitions");
  return owned;
}

async function engineRounds(names: { id: string; eod: string; txn: string; dlq: string }): Promise<number[]> {
  const producer = kafkaClient(uniqueName("failover-producer")).producer();
  await producer.connect();
  await producer.send({ topic: names.eod, messages: Array.from({ length: ACCOUNTS }, (_, i) => ({ key: account(i), value: eod(i) })) });
  const env = (instance: string) => ({
    KAFKA_BROKERS: BROKERS, REDIS_URL, REDIS_BUS_SECRET: BENCH_BUS_SECRET, AUTH_MODE: "none", KAFKA_GROUP_ID: names.id, REDIS_KEY_PREFIX: names.id,
    KAFKA_TOPIC_EOD: names.eod, KAFKA_TOPIC_TRANSACTIONS: names.txn, KAFKA_TOPIC_DLQ: names.dlq, KAFKA_TOPIC_TRANSFER_JOURNAL: `${names.id}.journal`, KAFKA_TOPIC_APPROVED: `${names.id}.approved`, INSTANCE_ID: instance,
    KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS), SNAPSHOT_INTERVAL_MS: "200", SYNC_MAX_DELAY_MS: "3600000", SYNC_MIN_INTERVAL_MS: "3600000",
  });
  const survivor = await startEngineProcess(env("survivor"));
  const timings: number[] = [];
  let seq = 0;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const victim = await startEngineProcess(env(`victim-${r}`));
      const owned = await shared(victim, survivor);
      const watched = Array.from({ length: ACCOUNTS }, (_, i) => account(i)).find((id) => owned.includes(partitionForKey(id, SHARDS)))!;
      const centsOf = async () => {
        const response = await fetch(`${survivor.base}/v1/accounts/${watched}/balance`);
        return response.status === 200 ? Math.round(Number(((await response.json()) as { currentBalance: string }).currentBalance) * 100) : 0;
      };
      let sent = 0;
      const produce = setInterval(() => {
        sent += 1;
        void producer.send({ topic: names.txn, messages: [{ key: watched, value: cents(++seq, watched) }] });
      }, PRODUCE_EVERY_MS);
      await waitUntil(async () => (await centsOf()) > 100_000, 30_000, "the first transactions to be seen");
      const sentBeforeKill = sent;
      const killedAt = performance.now();
      victim.process.kill(9);
      // The survivor answers from the snapshot meanwhile: a cent above what was sent before the kill is a new message applied.
      const before = await centsOf();
      await waitUntil(async () => (await centsOf()) > Math.max(before, 100_000 + sentBeforeKill), 60_000, "the survivor to apply a new message");
      timings.push(performance.now() - killedAt);
      clearInterval(produce);
      await victim.process.exited;
    }
  } finally {
    await survivor.stop();
    await producer.disconnect();
  }
  return timings;
}

function spawnMember(topic: string, groupId: string): { process: Subprocess; lines: string[] } {
  const lines: string[] = [];
  const child = Bun.spawn(["bun", `${BENCH_ROOT}bench/lib/failoverConsumer.ts`, topic, groupId, String(SESSION_TIMEOUT_MS), String(HEARTBEAT_MS)], { stdout: "pipe", stderr: "ignore" });
  void (async () => {
    let rest = "";
    for await (const chunk of child.stdout) {
      const text = rest + new TextDecoder().decode(chunk);
      const parts = text.split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
    }
  })();
  return { process: child, lines };
}

const assignmentOf = (lines: string[]) => {
  const last = lines.findLast((line) => line.startsWith("assigned "));
  return last === undefined ? [] : (JSON.parse(last.slice(9)) as number[]);
};

async function baselineRounds(topic: string): Promise<number[]> {
  const groupId = uniqueName("failover-bare");
  const producer = kafkaClient(uniqueName("failover-bare-producer")).producer();
  await producer.connect();
  const survivor = spawnMember(topic, groupId);
  const timings: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const victim = spawnMember(topic, groupId);
      await waitUntil(() => assignmentOf(victim.lines).length > 0 && assignmentOf(survivor.lines).length > 0
        && assignmentOf(victim.lines).length + assignmentOf(survivor.lines).length === SHARDS, 60_000, "both members to share the partitions");
      const partition = assignmentOf(victim.lines)[0]!;
      const marker = `after-kill-${r}`;
      const killedAt = performance.now();
      victim.process.kill(9);
      const produce = setInterval(() => void producer.send({ topic, messages: [{ partition, value: marker }] }), PRODUCE_EVERY_MS);
      await waitUntil(() => survivor.lines.includes(`got ${marker}`), 60_000, "the survivor to receive the dead member's partition");
      timings.push(performance.now() - killedAt);
      clearInterval(produce);
      await victim.process.exited;
    }
  } finally {
    survivor.process.kill(9);
    await producer.disconnect();
  }
  return timings;
}

export const benchmark: Benchmark = {
  name: "failover",
  async run() {
    ensureServices("kafka", "redis");
    const id = uniqueName("bench-failover");
    const names = { id, eod: `${id}.eod`, txn: `${id}.transactions`, dlq: `${id}.dlq` };
    const topics = await BenchTopics.open();
    try {
      await topics.create([names.eod, names.txn, names.dlq, `${id}.bare`], SHARDS);
      topics.track([`${id}.journal`, `${id}.approved`]); // the engines make them
      const engine = await engineRounds(names);
      const bare = await baselineRounds(`${id}.bare`);
      const [engineMs, bareMs] = [median(engine), median(bare)];
      return {
        benchmark: "failover",
        measures: "kill -9 of one of two instances → the survivor applies a message on the dead one's partitions",
        target: "the survivor serves the dead instance's accounts within 3 s (median of the rounds)",
        subject: { label: "engine, kill -9 → survivor applies", p50Ms: round(engineMs), extra: { "max ms": round(Math.max(...engine)), "rounds ms": engine.map((ms) => round(ms)).join(" / ") } },
        baseline: { label: "bare kafkajs group members", p50Ms: round(bareMs), extra: { "max ms": round(Math.max(...bare)), "rounds ms": bare.map((ms) => round(ms)).join(" / ") } },
        ratio: engineMs / bareMs,
        targetMet: engineMs < 3000,
        notes: [
          `${ROUNDS} rounds each; session timeout ${SESSION_TIMEOUT_MS} ms, heartbeat ${HEARTBEAT_MS} ms (BENCH_SESSION_TIMEOUT_MS changes both), the broker's group.min.session.timeout.ms is 1000 (scripts/services-up.sh)`,
          "engine: a transaction is produced every 10 ms for one account of the victim; the time runs until the survivor's balance includes a cent sent after the kill (until then it answers from the victim's last snapshot)",
          "bounded by the session timeout (the coordinator notices the dead member only then), then one rebalance and the recovery of the moved shards from their Redis snapshots",
          "ratio = engine ÷ bare group members (the part above 1 is the engine's own recovery)",
        ],
      } satisfies import("./lib/benchResult.ts").BenchResult;
    } finally {
      await topics.deleteGroups([id]);
      await topics.drop();
      await deleteRedisPrefix(id);
    }
  },
};
