/**
 * ledger-post: approved transfers posted per second by `bun start --role ledger-worker` (one
 * process, then two sharing the partitions), each from a fresh database and consumer group over
 * the same topic of N approved records, beside the seed's worker (one Postgres transaction per
 * message) on the same topic and Postgres, in the same run. A posting counts once it is
 * committed in ledger.transactions; the workers also relay every leg (2 per transfer) to Kafka.
 */
import type { Subprocess } from "bun";
import pg from "pg";
import { openPostgresClient } from "../src/adapters/postgres/postgresClient.ts";
import type { Benchmark } from "./lib/benchResult.ts";
import { createBenchDatabase, ensureServices } from "./lib/benchServices.ts";
import { BROKERS, BenchTopics, produceWithKcat, uniqueName } from "./lib/kafkaBenchKit.ts";
import { runSeedLedgerWorker } from "./lib/seedLedgerWorker.ts";

const TRANSFERS = 100_000;
const ACCOUNTS = 20_000;
const SEED_COUNT = 10_000;
const TARGET_PER_SEC = 5000;
const ROOT = new URL("..", import.meta.url).pathname;

function approvedRecord(run: string, i: number): readonly [string, string] {
  const from = `LP${i % ACCOUNTS}`;
  const to = `LP${(i * 7 + 1) % ACCOUNTS}`;
  const record = {
    transferId: `${run}-${i}`, fromAccountId: from, toAccountId: to === from ? `LP${(i + 1) % ACCOUNTS}` : to, amountMinor: 100 + (i % 900),
    currency: "USD", reference: null, decision: "APPROVE", riskScore: 0.1, riskFactors: [], firstStatus: "APPROVED", status: "APPROVED",
    createdAtMs: 1_796_000_000_000, updatedAtMs: 1_796_000_000_000, idempotencyScope: `["bench","${i}"]`, requestFingerprint: "f",
  };
  return [from, JSON.stringify(record)];
}

async function postedCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query("SELECT count(*) AS n FROM ledger.transactions")).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Starts `workers` ledger-worker processes on a fresh database; returns postings per second (first to last commit). */
async function runWorkers(workers: number, names: { approved: string; transactions: string; journal: string; dlq: string }): Promise<{ rate: number; seconds: number }> {
  const database = createBenchDatabase(`bench_ledger_${workers}`);
  await (await openPostgresClient(database.url)).close(); // migrations, before the clock starts
  const group = uniqueName("bench-ledger");
  const children: Subprocess[] = [];
  try {
    for (let w = 0; w < workers; w++) {
      children.push(Bun.spawn(["bun", "src/main.ts", "--role", "ledger-worker"], {
        cwd: ROOT, stdout: "ignore", stderr: "ignore",
        env: {
          ...process.env, LOG_LEVEL: "warn", DATABASE_URL: database.url, KAFKA_BROKERS: BROKERS, LEDGER_GROUP_ID: group, LEDGER_WORKER_PORT: "0",
          KAFKA_TOPIC_APPROVED: names.approved, KAFKA_TOPIC_TRANSACTIONS: names.transactions, KAFKA_TOPIC_TRANSFER_JOURNAL: names.journal, KAFKA_TOPIC_LEDGER_DLQ: names.dlq,
        },
      }));
    }
    let firstAt = 0;
    let firstCount = 0;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const count = await postedCount(database.url).catch(() => 0);
      if (count > 0 && firstAt === 0) [firstAt, firstCount] = [performance.now(), count];
      if (count >= TRANSFERS) {
        const seconds = (performance.now() - firstAt) / 1000;
        return { rate: (TRANSFERS - firstCount) / seconds, seconds };
      }
      if (Date.now() > deadline) throw new Error(`${workers} worker(s) posted ${count} of ${TRANSFERS} in 300 s`);
      await Bun.sleep(100);
    }
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((child) => child.exited));
    database.drop();
  }
}

export const benchmark: Benchmark = {
  name: "ledger-post",
  async run() {
    ensureServices("kafka", "postgres");
    const run = uniqueName("ledger-post");
    const names = { approved: `${run}.approved`, transactions: `${run}.transactions`, journal: `${run}.journal`, dlq: `${run}.ledger-dlq` };
    const topics = await BenchTopics.open();
    try {
      await topics.create([names.approved, names.transactions, names.journal]);
      topics.track([names.dlq]);
      await produceWithKcat(names.approved, TRANSFERS, (i) => approvedRecord(run, i));
      const one = await runWorkers(1, names);
      const two = await runWorkers(2, names);
      const seedDatabase = createBenchDatabase("bench_ledger_seed");
      await (await openPostgresClient(seedDatabase.url)).close();
      const seedRate = await runSeedLedgerWorker(BROKERS, names.approved, seedDatabase.url, SEED_COUNT, 60_000).finally(() => seedDatabase.drop());
      return {
        benchmark: "ledger-post",
        measures: `approved transfers posted per second (${TRANSFERS.toLocaleString("en-US")} transfers over ${ACCOUNTS.toLocaleString("en-US")} accounts, 12 partitions; Postgres local)`,
        target: `>= ${TARGET_PER_SEC.toLocaleString("en-US")} postings/s with one worker`,
        subject: {
          label: "ledger worker ×1 (batches of LEDGER_BATCH_MAX=500, one transaction each)", throughputPerSec: one.rate,
          extra: { "ledger worker ×2 postings/s": Math.round(two.rate), "seconds ×1": Number(one.seconds.toFixed(1)), "seconds ×2": Number(two.seconds.toFixed(1)) },
        },
        baseline: { label: `seed worker: one transaction per message (${SEED_COUNT.toLocaleString("en-US")} messages)`, throughputPerSec: seedRate },
        ratio: one.rate / seedRate,
        targetMet: one.rate >= TARGET_PER_SEC,
        notes: [
          "each worker also relays its outbox: 2 legs per transfer to Kafka (acks=all), deleted from ledger.outbox after the send",
          "two workers share the machine's 2 cores with Postgres and Kafka; a second worker adds a process, not a core",
          "the seed worker writes no outbox: its figure is an upper bound of the seed's design on this machine",
        ],
      };
    } finally {
      await topics.drop();
    }
  },
};
