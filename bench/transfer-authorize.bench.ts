/**
 * transfer-authorize: POST /v1/transfers with Kafka durability (the decision on the journal,
 * acks=all, before the 201), beside a baseline server in the same run that does the seed's design
 * on the same requests (bench/lib/transferBaselineServer.ts: Redis SET NX for the key, Postgres
 * SELECT ... FOR UPDATE + UPDATE + INSERT, a Kafka publish with acks=all). Two loads for each:
 * closed-loop (CONCURRENCY requests always in flight) for throughput, then open-loop at
 * PACED_RATE/s for the latency tail. The load generator is this process, the same for both.
 */
import type { Subprocess } from "bun";
import type { Benchmark, Measurement } from "./lib/benchResult.ts";
import { BENCH_BUS_SECRET, BENCH_ROOT, createBenchDatabase, ensureServices, freePort, startEngineProcess, waitUntil } from "./lib/benchServices.ts";
import { BenchTopics, BROKERS, deleteRedisPrefix, kafkaClient, REDIS_URL, round, uniqueName } from "./lib/kafkaBenchKit.ts";

const ACCOUNTS = 1000;
const CONCURRENCY = 64;
const CLOSED_SECONDS = 10;
const PACED_RATE = 1000;
const PACED_SECONDS = 10;
const BALANCE_MINOR = 100_000_000; // 1,000,000.00: the runs never run out of funds

const account = (i: number) => `TA${i}`;

interface LoadFigures {
  readonly perSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly ok: number;
  readonly other: Record<string, number>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function figuresOf(latencies: number[], statuses: Map<number, number>, seconds: number): LoadFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const ok = statuses.get(201) ?? 0;
  const other = Object.fromEntries([...statuses].filter(([status]) => status !== 201).map(([status, n]) => [String(status), n]));
  return { perSec: ok / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), ok, other };
}

let sequence = 0;
async function oneTransfer(base: string, run: string, latencies: number[], statuses: Map<number, number>): Promise<void> {
  const n = ++sequence;
  const from = n % ACCOUNTS;
  const body = JSON.stringify({ fromAccountId: account(from), toAccountId: account((from + 1 + (n % 7)) % ACCOUNTS), amount: "1.00", currency: "USD" });
  const started = performance.now();
  const response = await fetch(`${base}/v1/transfers`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": `${run}-${n}` }, body });
  await response.arrayBuffer();
  latencies.push(performance.now() - started);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
}

async function closedLoop(base: string, run: string): Promise<LoadFigures> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const until = performance.now() + CLOSED_SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < until) await oneTransfer(base, run, latencies, statuses);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return figuresOf(latencies, statuses, CLOSED_SECONDS);
}

async function pacedLoop(base: string, run: string): Promise<LoadFigures> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let sent = 0; sent < PACED_RATE * PACED_SECONDS; sent++) {
    const due = started + (sent * 1000) / PACED_RATE;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    inFlight.push(oneTransfer(base, run, latencies, statuses));
  }
  await Promise.all(inFlight);
  return figuresOf(latencies, statuses, PACED_SECONDS);
}

/** The engine in Kafka mode with every account loaded (an EOD of 1,000,000.00 and a known limit). */
/** The engine as deployed with Kafka: Postgres at DATABASE_URL (its facility table, the copy, the audit rows), like the baseline's. */
async function startEngine(topics: BenchTopics, id: string, databaseUrl: string) {
  const names = { eod: `${id}.eod`, transactions: `${id}.transactions`, dlq: `${id}.dlq` };
  await topics.create([names.eod, names.transactions, names.dlq]);
  topics.track([`${id}.journal`, `${id}.approved`]);
  const engine = await startEngineProcess({
    KAFKA_BROKERS: BROKERS, REDIS_URL, REDIS_BUS_SECRET: BENCH_BUS_SECRET, KAFKA_GROUP_ID: id, REDIS_KEY_PREFIX: id, AUTH_MODE: "none",
    KAFKA_TOPIC_EOD: names.eod, KAFKA_TOPIC_TRANSACTIONS: names.transactions, KAFKA_TOPIC_DLQ: names.dlq,
    KAFKA_TOPIC_TRANSFER_JOURNAL: `${id}.journal`, KAFKA_TOPIC_APPROVED: `${id}.approved`,
    SYNC_MAX_DELAY_MS: "3600000", SYNC_MIN_INTERVAL_MS: "3600000", DATABASE_URL: databaseUrl,
  });
  await waitUntil(async () => (await fetch(`${engine.base}/ready`)).status === 200, 120_000, "the engine ready");
  await fetch(`${engine.base}/v1/admin/facilities/BF`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ limit: "0" }) });
  const producer = kafkaClient(uniqueName("transfer-bench-eods")).producer();
  await producer.connect();
  const eods = Array.from({ length: ACCOUNTS }, (_, i) => ({
    key: account(i),
    value: JSON.stringify({ type: "EOD_BALANCE", messageId: `e-${i}`, accountId: account(i), facilityId: "BF", balance: "1000000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:00:00Z" }),
  }));
  await producer.send({ topic: names.eod, messages: eods });
  await producer.disconnect();
  await waitUntil(async () => {
    for (const i of [0, ACCOUNTS - 1]) if ((await fetch(`${engine.base}/v1/accounts/${account(i)}/balance`)).status !== 200) return false;
    return true;
  }, 120_000, "the EODs applied");
  return engine;
}

async function startBaseline(id: string): Promise<{ base: string; process: Subprocess; drop(): void }> {
  const database = createBenchDatabase("bench_transfer");
  const port = freePort();
  const child = Bun.spawn(["bun", "bench/lib/transferBaselineServer.ts"], {
    cwd: BENCH_ROOT, stdout: "ignore", stderr: "inherit",
    env: { ...process.env, PORT: String(port), DATABASE_URL: database.url, REDIS_URL, KAFKA_BROKERS: BROKERS, TOPIC: `${id}.baseline` },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/health`)).ok, 60_000, "the baseline server");
  await fetch(`${base}/load`, { method: "POST", body: JSON.stringify({ prefix: "TA", count: ACCOUNTS, balanceMinor: BALANCE_MINOR }) });
  return { base, process: child, drop: () => database.drop() };
}

function measurement(label: string, closed: LoadFigures, paced: LoadFigures): Measurement {
  return {
    label, throughputPerSec: round(closed.perSec), p50Ms: round(paced.p50, 2), p99Ms: round(paced.p99, 2), p999Ms: round(paced.p999, 2),
    extra: {
      "closed p99 ms": round(closed.p99, 1), "closed non-201": JSON.stringify(closed.other), "paced 201/s": round(paced.perSec), "paced non-201": JSON.stringify(paced.other),
    },
  };
}

export const benchmark: Benchmark = {
  name: "transfer-authorize",
  async run() {
    ensureServices("kafka", "redis", "postgres");
    const id = uniqueName("bench-transfer");
    const topics = await BenchTopics.open();
    await topics.create([`${id}.baseline`]);
    const engineDatabase = createBenchDatabase("bench_transfer_engine");
    const engine = await startEngine(topics, id, engineDatabase.url);
    const baseline = await startBaseline(id);
    try {
      // Warm both, then the same loads one after the other.
      await closedLoop(engine.base, `${id}-warm-e`);
      await closedLoop(baseline.base, `${id}-warm-b`);
      const engineClosed = await closedLoop(engine.base, `${id}-ce`);
      const baselineClosed = await closedLoop(baseline.base, `${id}-cb`);
      const enginePaced = await pacedLoop(engine.base, `${id}-pe`);
      const baselinePaced = await pacedLoop(baseline.base, `${id}-pb`);
      const ratio = engineClosed.perSec / baselineClosed.perSec;
      return {
        benchmark: "transfer-authorize",
        measures: "POST /v1/transfers with Kafka durability: 201s per second (closed loop) and the latency at a paced rate",
        target: `≥ 3× the baseline's throughput, and p99 < 10 ms at ${PACED_RATE} transfers/s`,
        subject: measurement("engine (actor + journal on Kafka, acks=all)", engineClosed, enginePaced),
        baseline: measurement("seed design (Redis SET NX + Postgres FOR UPDATE + Kafka acks=all)", baselineClosed, baselinePaced),
        ratio,
        targetMet: ratio >= 3 && enginePaced.p99 < 10,
        notes: [
          `${ACCOUNTS} accounts, transfers of 1.00 to one of 7 neighbours, a fresh Idempotency-Key each; closed loop: ${CONCURRENCY} in flight for ${CLOSED_SECONDS} s; paced: ${PACED_RATE}/s for ${PACED_SECONDS} s; each after a warm-up run`,
          "the load generator (Bun fetch) runs in this process on the same 2 cores as the servers, Kafka, Redis and Postgres",
          "both on the local Postgres (the engine: DATABASE_URL, its audit row per decision; the baseline: its ledger rows)",
          "ratio = engine 201/s ÷ baseline 201/s in the closed loop",
        ],
      };
    } finally {
      await engine.stop();
      engineDatabase.drop();
      baseline.process.kill("SIGTERM");
      await baseline.process.exited;
      baseline.drop();
      await topics.drop();
      await deleteRedisPrefix(id);
    }
  },
};
