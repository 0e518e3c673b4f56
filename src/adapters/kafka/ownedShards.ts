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
  /** Offsets as of the last snapshot, to skip a write when nothing moved. */
  snapshotOffsets: string;
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
    const shard = { epoch, nextOffsets: { ...nextOffsets }, dirty: new Set<string>(), snapshotOffsets: JSON.stringify(nextOffsets) };
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
