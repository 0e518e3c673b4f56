/**
 * Reads the engine's snapshots straight from Redis, so that a test can check what was written
 * rather than trust that recovery went through them. Keys per shard p (see
 * src/adapters/redis/snapshotStore.ts): `{prefix}:{p}:owner` (hash: generation, instance),
 * `{prefix}:{p}:accounts` (hash: accountId → encoded state), `{prefix}:{p}:offsets` (JSON: topic →
 * the next offset to read).
 */
import Redis from "ioredis";
import { kafka } from "./services.ts";

export interface ShardSnapshotKeys {
  readonly owner: Record<string, string>;
  readonly accounts: Map<string, string>;
  /** null when the shard was never written. */
  readonly offsets: Record<string, string> | null;
}

export async function readShardSnapshot(redis: Redis, prefix: string, shardId: number): Promise<ShardSnapshotKeys> {
  const [owner, accounts, offsets] = await Promise.all([
    redis.hgetall(`${prefix}:${shardId}:owner`),
    redis.hgetall(`${prefix}:${shardId}:accounts`),
    redis.get(`${prefix}:${shardId}:offsets`),
  ]);
  return { owner, accounts: new Map(Object.entries(accounts)), offsets: offsets === null ? null : JSON.parse(offsets) };
}

/** topic → partition → its first offset still held (low) and the offset of the next record (high). */
export async function partitionOffsets(topics: readonly string[]): Promise<Map<string, Map<number, { low: string; high: string }>>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = new Map<string, Map<number, { low: string; high: string }>>();
    for (const topic of topics) {
      const partitions = await admin.fetchTopicOffsets(topic);
      offsets.set(topic, new Map(partitions.map((p) => [p.partition, { low: p.low, high: p.high }])));
    }
    return offsets;
  } finally {
    await admin.disconnect();
  }
}

/**
 * True when every partition that holds records has a snapshot whose offsets are the partitions'
 * ends in every topic: everything produced so far is inside the snapshots.
 */
export async function snapshotsCaughtUp(redis: Redis, prefix: string, topics: readonly string[], shardCount = 12): Promise<boolean> {
  const ends = await partitionOffsets(topics);
  const high = (topic: string, shard: number) => ends.get(topic)!.get(shard)!.high;
  for (let shard = 0; shard < shardCount; shard++) {
    if (topics.every((topic) => high(topic, shard) === "0")) continue;
    const { offsets } = await readShardSnapshot(redis, prefix, shard);
    if (offsets === null || topics.some((topic) => offsets[topic] !== high(topic, shard))) return false;
  }
  return true;
}

/**
 * Deletes every record below each shard's snapshot offsets (Kafka's DeleteRecords, what retention
 * does to old segments), so that only a snapshot can bring back what those records did.
 * Returns how many records were deleted.
 */
export async function deleteRecordsBelowSnapshots(redis: Redis, prefix: string, topics: readonly string[], shardCount = 12): Promise<number> {
  const below = new Map<string, Map<number, string>>();
  for (const topic of topics) below.set(topic, new Map());
  for (let shard = 0; shard < shardCount; shard++) {
    const offsets = (await readShardSnapshot(redis, prefix, shard)).offsets ?? {};
    for (const topic of topics) if (offsets[topic] !== undefined) below.get(topic)!.set(shard, offsets[topic]!);
  }
  return deleteRecordsBelow(below);
}

/** Deletes the records of each topic's partitions below the offset given (topic → partition → offset). */
export async function deleteRecordsBelow(below: ReadonlyMap<string, ReadonlyMap<number, string>>): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  let deleted = 0;
  try {
    for (const [topic, offsets] of below) {
      const partitions = [...offsets].filter(([, offset]) => offset !== "0").map(([partition, offset]) => ({ partition, offset }));
      if (partitions.length === 0) continue;
      await admin.fetchTopicOffsets(topic); // makes the admin client track the topic: deleteTopicRecords needs its leaders
      await admin.deleteTopicRecords({ topic, partitions });
      deleted += partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    }
    return deleted;
  } finally {
    await admin.disconnect();
  }
}
