/**
 * The topics the engine writes for itself: the transfer journal (one partition per shard, as
 * the input topics) and the approved transfers for the ledger. Created at start when missing; a
 * journal with another partition count cannot be used (its partitions are the shards).
 */
import type { Kafka } from "kafkajs";

export async function ensureEngineTopics(kafka: Kafka, journal: string, approved: string, shardCount: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [journal, approved].filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: shardCount })), waitForLeaders: true });
    }
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [journal] })).topics;
    const partitions = metadata?.partitions.length ?? 0;
    if (partitions !== shardCount) {
      throw new Error(`the transfer journal ${journal} has ${partitions} partitions; it needs SHARD_COUNT (${shardCount})`);
    }
  } finally {
    await admin.disconnect();
  }
}
