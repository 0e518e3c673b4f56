/**
 * Shared pieces of the Kafka benchmarks (kafka-ingest, e2e-latency): unique names, topics,
 * realistic messages, producing with kcat, reading the engine's metrics and CPU time, cleanup.
 */
import Redis from "ioredis";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { readFileSync } from "node:fs";

export const BROKERS = "127.0.0.1:9092";
export const REDIS_URL = "redis://127.0.0.1:6379";
export const EOD_DATE = "2026-11-21";
export const BOOKING_DATE = "2026-11-22";

/** A name no other run (or other benchmark running at the same time) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

export function kafkaClient(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [BROKERS], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

/** Topics created by a benchmark, deleted again by `drop` (errors ignored: cleanup is best effort). */
export class BenchTopics {
  private readonly created = new Set<string>();
  private constructor(private readonly admin: Admin) {}

  static async open(): Promise<BenchTopics> {
    const admin = kafkaClient(uniqueName("bench-admin")).admin();
    await admin.connect();
    return new BenchTopics(admin);
  }

  async create(names: readonly string[], partitions = 12): Promise<void> {
    for (const name of names) this.created.add(name);
    await this.admin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
    // Leaders can lag a moment behind creation (NOT_LEADER on ListOffsets): wait until each answers.
    for (const topic of names) {
      for (let attempt = 0; ; attempt++) {
        const ok = await this.admin.fetchTopicOffsets(topic).then((p) => p.length === partitions, () => false);
        if (ok) break;
        if (attempt >= 100) throw new Error(`topic ${topic}: partitions have no leader after 10 s`);
        await Bun.sleep(100);
      }
    }
  }

  /** Topics another process created (the engine's own journal and approved topics), deleted with the rest. */
  track(names: readonly string[]): void {
    for (const name of names) this.created.add(name);
  }

  /** Sum of the partitions' high watermarks: how many records the topic holds. */
  async size(topic: string): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  async deleteGroups(groups: readonly string[]): Promise<void> {
    await this.admin.deleteGroups([...groups]).catch(() => {});
  }

  async drop(): Promise<void> {
    if (this.created.size > 0) await this.admin.deleteTopics({ topics: [...this.created], timeout: 30_000 }).catch(() => {});
    this.created.clear();
    await this.admin.disconnect().catch(() => {});
  }
}

/** Deletes every Redis key under `prefix:` (the engine's snapshots, epoch, channel has no key). */
export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export const accountId = (n: number) => `ACC-${(100_000 + n).toString()}`;
export const facilityId = (account: number) => `FAC-${account % 100}`;

export function eodJson(run: string, account: number, balanceMinor = eodBalanceMinor(account)): string {
  return JSON.stringify({
    type: "EOD_BALANCE", messageId: `${run}-eod-${account}`, accountId: accountId(account), facilityId: facilityId(account),
    balance: formatMinor(balanceMinor), currency: "USD", asOfDate: EOD_DATE, timestamp: "2026-11-22T00:05:00Z",
  });
}

/**
 * A transaction as the core bank sends it: mostly card payments and transfers of a few to a few
 * thousand dollars, some credits, 2% reversals (TRANSACTION_REMOVED), 0.1%
 * high-value (an alert). `seq` makes messageId and transactionId unique (a reversal carries its
 * own id: the engine needs no record of the original).
 */
export function transactionJson(run: string, seq: number, account: number, dayMs = seq * 37): string {
  const { removed, amountMinor } = transactionShape(seq);
  const ms = 9 * 3_600_000 + (dayMs % (12 * 3_600_000));
  return JSON.stringify({
    type: "TRANSACTION", messageId: `${run}-m-${seq}`, accountId: accountId(account),
    eventType: removed ? "TRANSACTION_REMOVED" : "TRANSACTION_CREATED",
    transactionId: `${run}-t-${seq}`,
    amount: formatMinor(amountMinor), currency: "USD", bookingDate: BOOKING_DATE,
    timestamp: new Date(Date.UTC(2026, 10, 22) + ms).toISOString(),
  });
}

/** What transaction `seq` does to its account's current balance, in minor units. */
export function transactionEffectMinor(seq: number): number {
  const { removed, amountMinor } = transactionShape(seq);
  return removed ? -amountMinor : amountMinor;
}

function transactionShape(seq: number): { removed: boolean; amountMinor: number } {
  const r = hash32(seq);
  const highValue = r % 1000 === 7;
  const magnitude = highValue ? 1_000_000 + (r % 5_000_000) : 100 + (r % 250_000);
  return { removed: r % 50 === 0, amountMinor: r % 3 === 0 ? magnitude : -magnitude };
}

export const eodBalanceMinor = (account: number) => 100_000 + (account % 997) * 1234;

export function formatMinor(minor: number): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${(abs % 100).toString().padStart(2, "0")}`;
}

export function hash32(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Produces `count` records to `topic` with kcat (librdkafka, Java's murmur2 partitioner so that
 * partition = the engine's shard for the key). `line(i)` returns [key, value]. Returns seconds.
 */
export async function produceWithKcat(topic: string, count: number, line: (i: number) => readonly [string, string]): Promise<number> {
  const started = performance.now();
  const kcat = Bun.spawn([
    "kcat", "-P", "-b", BROKERS, "-t", topic, "-K", "\t", "-q",
    "-X", "topic.partitioner=murmur2_random", "-X", "linger.ms=20", "-X", "batch.num.messages=10000",
    "-X", "queue.buffering.max.messages=500000", "-X", "queue.buffering.max.kbytes=1048576",
  ], { stdin: "pipe", stdout: "ignore", stderr: "pipe" });
  const CHUNK = 5000;
  for (let from = 0; from < count; from += CHUNK) {
    let text = "";
    for (let i = from; i < Math.min(count, from + CHUNK); i++) {
      const [key, value] = line(i);
      text += `${key}\t${value}\n`;
    }
    kcat.stdin.write(text);
    await kcat.stdin.flush();
  }
  await kcat.stdin.end();
  const code = await kcat.exited;
  if (code !== 0) throw new Error(`kcat -P ${topic} exited ${code}: ${await new Response(kcat.stderr).text()}`);
  return (performance.now() - started) / 1000;
}

/** `messages_total{topic,outcome}` from the engine's /metrics (0 when absent). */
export async function messagesTotal(base: string, topic: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return metricValue(text, "balance_engine_messages_total", { topic, outcome });
}

export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) && Object.keys(labels).length === 0) sum += Number(line.slice(name.length + 1).trim());
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf("}");
    const labelText = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(line.slice(close + 1).trim());
  }
  return sum;
}

/** User + system CPU seconds a process has used so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** A reading of the whole machine's CPU (all cores, all processes), for `busyCoresSince`. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** Cores busy on average (all processes) since `since`: how much else ran beside the benchmark. */
export function busyCoresSince(since: { busy: number; total: number }, cores: number): number {
  const now = machineCpu();
  return ((now.busy - since.busy) / Math.max(1, now.total - since.total)) * cores;
}

export const round = (value: number, digits = 0) => Number(value.toFixed(digits));
