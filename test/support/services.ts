/** Real services for integration tests, started by the project's own script (idempotent). */
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";

const ROOT = new URL("../..", import.meta.url).pathname;
export const KAFKA_BROKERS = "127.0.0.1:9092";
export const REDIS_URL = "redis://127.0.0.1:6379";
/** The balance bus's shared secret in tests (32+ characters, as the engine requires with Kafka). */
export const TEST_BUS_SECRET = "test-bus-secret-0123456789abcdef0123";

export function ensureServices(...names: string[]): void {
  const run = Bun.spawnSync(["bash", `${ROOT}scripts/services-up.sh`, ...names], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`services-up.sh ${names.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
}

/** Unique names per test run, so runs never see each other's records, snapshots or groups. */
export function uniqueNames(label: string) {
  const id = `${label}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  return {
    id,
    eod: `${id}.eod`,
    transactions: `${id}.transactions`,
    dlq: `${id}.dlq`,
    /** The engine (and the ledger worker) create these at start; deleteTopics removes them with the others. */
    journal: `${id}.journal`,
    approved: `${id}.approved`,
    ledgerDlq: `${id}.ledger-dlq`,
    env: {
      KAFKA_BROKERS, REDIS_URL, KAFKA_GROUP_ID: id, REDIS_KEY_PREFIX: id, REDIS_BUS_SECRET: TEST_BUS_SECRET,
      // Explicit, as the engine requires with Kafka: these tests are about Kafka, not auth (test/auth/ is).
      AUTH_MODE: "none",
      KAFKA_TOPIC_EOD: `${id}.eod`, KAFKA_TOPIC_TRANSACTIONS: `${id}.transactions`, KAFKA_TOPIC_DLQ: `${id}.dlq`,
      KAFKA_TOPIC_TRANSFER_JOURNAL: `${id}.journal`, KAFKA_TOPIC_APPROVED: `${id}.approved`,
      KAFKA_TOPIC_LEDGER_DLQ: `${id}.ledger-dlq`, LEDGER_GROUP_ID: `${id}-ledger`,
    } as Record<string, string>,
  };
}

export const kafka = new Kafka({ clientId: "balance-engine-tests", brokers: [KAFKA_BROKERS], logLevel: logLevel.ERROR });

/** Longest to wait for the broker to create topics (a generous bound, not a speed check). */
const TOPICS_WAIT_MS_MAX = 120_000;

/**
 * Creates the topics and waits until every partition has a leader. Right after a broker restart
 * (the outage tests) the broker answers before it has loaded all its partitions, and creating or
 * describing topics fails for a while with retriable errors: retry until it works.
 */
export async function createTopics(names: string[], partitions = 12): Promise<void> {
  const deadline = Date.now() + TOPICS_WAIT_MS_MAX;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
      for (const topic of names) await admin.fetchTopicOffsets(topic); // needs a leader per partition
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`creating topics ${names.join(", ")}: ${String(error)}`);
      await Bun.sleep(500);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

/**
 * Deletes a test's topics once its engines have stopped: every run makes new ones, and a broker
 * holding thousands of partitions takes tens of seconds to restart.
 */
export async function deleteTopics(names: string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    // With each test's topics go the ones its engines made for themselves (`<id>.journal`, `<id>.approved`).
    const prefixes = new Set(names.map((name) => name.slice(0, name.lastIndexOf(".") + 1)).filter((prefix) => prefix !== ""));
    const siblings = (await admin.listTopics()).filter((topic) => [...prefixes].some((prefix) => topic.startsWith(prefix)));
    await admin.deleteTopics({ topics: [...new Set([...names, ...siblings])], timeout: 30_000 });
  } catch {
    // A topic already gone, or a broker that is down: nothing for the test to report.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** A producer that keys each message by its accountId, as the core bank does. */
export async function openProducer(): Promise<Producer & { sendMessages(topic: string, messages: unknown[]): Promise<void> }> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return Object.assign(producer, {
    async sendMessages(topic: string, messages: unknown[]) {
      await producer.send({
        topic,
        messages: messages.map((m) => ({
          key: typeof m === "object" && m !== null && "accountId" in m ? String((m as { accountId: unknown }).accountId) : "none",
          value: typeof m === "string" ? m : JSON.stringify(m),
        })),
      });
    },
  });
}

/** Polls until `check` returns true, at most `timeoutMs`; the generous bound is not a speed check. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function run(command: string[]): string {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} failed: ${result.stderr}`);
  return result.stdout.toString();
}

/** A throwaway Postgres database for one test file. */
export function createDatabase(name: string): string {
  run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", `CREATE DATABASE "${name}"`]);
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

export function psql(database: string, sql: string): string {
  return run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-At", "-c", sql]);
}
