/**
 * The shards (partitions of both input topics) this instance owns now, and what it knows of
 * each: the epoch it claimed it with, the next offsets to apply, and the accounts changed since
 * the last snapshot. Shared by the batch loop, the recovery and the snapshot scheduler.
 */
import type { ShardHost } from "../../runtime/ports.ts";

export interface OwnedShard {
  /** The epoch it was claimed with; snapshot writes carry it and are fenced by it. */
  epoch: number;
  /** topic → next offset to apply; a record below it is already inside the state. */
  readonly nextOffsets: Record<string, string>;
  /** Accounts changed since the last snapshot. */
  readonly dirty: Set<string>;
  /**
   * topic → offsets handed to ingest but not yet applied (their actor waits on a lookup). A
   * snapshot stores the lowest of them instead of `nextOffsets`, so it never runs ahead.
   */
  readonly pending: Map<string, Set<bigint>>;
  /** Offsets as of the last snapshot, to skip a write when nothing moved. */
  snapshotOffsets: string;
  /**
   * The transfer journal's end offset when the shard was recovered: until it is replayed up to
   * there the accounts may lack holds, so no transfer is decided on them (see KafkaSource.owns).
   */
  journalEnd: bigint;
}

/** The offsets a snapshot may store now: every record below them is applied. */
export function appliedOffsetsOf(shard: OwnedShard): Record<string, string> {
  const offsets: Record<string, string> = { ...shard.nextOffsets };
  for (const [topic, pending] of shard.pending) {
    let lowest: bigint | null = null;
    for (const offset of pending) if (lowest === null || offset < lowest) lowest = offset;
    if (lowest !== null) offsets[topic] = String(lowest);
  }
  return offsets;
}

export class OwnedShards {
  private readonly owned = new Map<number, OwnedShard>();

  constructor(private readonly host: ShardHost) {}

  get(shardId: number): OwnedShard | undefined {
    return this.owned.get(shardId);
  }

  ids(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /** Takes a shard on with its recovered offsets. */
  own(shardId: number, epoch: number, nextOffsets: Record<string, string>): OwnedShard {
    const shard = {
      epoch, nextOffsets: { ...nextOffsets }, dirty: new Set<string>(), pending: new Map<string, Set<bigint>>(),
      snapshotOffsets: JSON.stringify(nextOffsets), journalEnd: 0n,
    };
    this.owned.set(shardId, shard);
    return shard;
  }

  /** Lets a shard go: it is no longer ours, and its accounts leave memory. */
  release(shardId: number): void {
    this.owned.delete(shardId);
    this.host.drop(shardId);
  }

  markChanged(shardId: number, accountId: string): void {
    this.owned.get(shardId)?.dirty.add(accountId);
  }
}
