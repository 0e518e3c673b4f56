/**
 * The topics the engine writes for itself: the transfer journal (one partition per shard, as
 * the input topics) and the approved transfers for the ledger. Created at start when missing; a
 * journal with another partition count cannot be used (its partitions are the shards).
 */
import type { Admin, Kafka } from "kafkajs";

export async function ensureEngineTopics(kafka: Kafka, journal: string, approved: string, shardCount: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createMissing(admin, [journal, approved], shardCount);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [journal] })).topics;
    const partitions = metadata?.partitions.length ?? 0;
    if (partitions !== shardCount) {
      throw new Error(`the transfer journal ${journal} has ${partitions} partitions; it needs SHARD_COUNT (${shardCount})`);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The ledger worker's topics: the approved feed (if no engine made it yet) and the ledger's DLQ. */
export async function ensureLedgerTopics(kafka: Kafka, approved: string, deadLetters: string, shardCount: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createMissing(admin, [approved, deadLetters], shardCount);
  } finally {
    await admin.disconnect();
  }
}

async function createMissing(admin: Admin, topics: readonly string[], partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  } catch (error) {
    // Another process created it meanwhile: fine if it is there now.
    const now = new Set(await admin.listTopics());
    if (missing.some((topic) => !now.has(topic))) throw error;
  }
}
