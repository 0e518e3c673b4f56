/**
 * What happens on every partition assignment: save what we still own, take a fresh epoch, let go
 * of the shards we lost, and for each assigned shard claim it and, unless memory is still
 * current, load its snapshot and start from the snapshot's offsets. Passing errors (a leader not
 * elected yet, Redis reconnecting) are retried with backoff until it succeeds or the source
 * stops; batches wait meanwhile, so nothing is applied on a half-recovered shard.
 */
import { Backoff } from "../../lib/backoff.ts";
import type { Logger } from "../../observability/log.ts";
import type { ShardHost, SnapshotStore } from "../../runtime/ports.ts";
import type { OwnedShards } from "./ownedShards.ts";
import type { SnapshotScheduler } from "./snapshotScheduler.ts";

const RECOVERY_RETRY_MS_MIN = 200;
const RECOVERY_RETRY_MS_MAX = 5000;

export interface RecoveryDeps {
  readonly owned: OwnedShards;
  readonly host: ShardHost;
  readonly store: SnapshotStore;
  readonly snapshots: SnapshotScheduler;
  readonly instanceId: string;
  readonly inputTopics: readonly string[];
  /** The first offset still in a topic's partition, for a shard never snapshotted. */
  readonly lowOffset: (topic: string, partition: number) => Promise<string>;
  /** The transfer journal's end offset in a partition now. */
  readonly journalEnd: (partition: number) => Promise<bigint>;
  /** Moves the consumer's position on a partition. */
  readonly seek: (topic: string, partition: number, offset: string) => void;
  readonly onShardRecovered?: (shardId: number) => void;
  readonly fenced: () => void;
  readonly recoveryFailed: () => void;
  readonly isStopped: () => boolean;
  readonly log: Logger;
}

export class ShardRecovery {
  constructor(private readonly deps: RecoveryDeps) {}

  /** Recovers `assigned` (shard ids), retrying passing errors until done or stopped. */
  async recover(assigned: ReadonlySet<number>): Promise<void> {
    const backoff = new Backoff(RECOVERY_RETRY_MS_MIN, RECOVERY_RETRY_MS_MAX);
    for (;;) {
      try {
        return await this.recoverOnce(assigned);
      } catch (error) {
        this.deps.recoveryFailed();
        const retryInMs = backoff.failed();
        this.deps.log.error("kafka_recovery_failed", { error: String(error), attempt: backoff.failuresInARow, retryInMs });
        if (this.deps.isStopped()) return;
        await Bun.sleep(retryInMs);
      }
    }
  }

  private async recoverOnce(assigned: ReadonlySet<number>): Promise<void> {
    const { owned, store, snapshots, log } = this.deps;
    await snapshots.snapshotAll(); // through the one snapshot chain, never beside another pass
    const epoch = await store.nextEpoch();
    for (const shardId of owned.ids()) if (!assigned.has(shardId)) owned.release(shardId);
    for (const shardId of assigned) await this.recoverShard(shardId, epoch);
    log.info("kafka_assignment_recovered", { shards: [...assigned].sort((a, b) => a - b), epoch });
  }

  private async recoverShard(shardId: number, epoch: number): Promise<void> {
    const { owned, host, store, instanceId, log } = this.deps;
    const claim = await store.claim(shardId, epoch, instanceId);
    if (!claim.granted) {
      this.deps.fenced();
      log.error("shard_claim_refused", { shardId, epoch, heldBy: claim.previousInstance, heldEpoch: claim.previousGeneration });
      return owned.release(shardId);
    }
    const current = owned.get(shardId);
    const stillOurs = current !== undefined && claim.previousInstance === instanceId && claim.previousGeneration === current.epoch;
    if (stillOurs) {
      current.epoch = epoch; // nobody else held it in between: memory is current
    } else {
      const snapshot = await store.load(shardId);
      host.load(shardId, snapshot.accounts, snapshot.dormant);
      const journalEnd = await this.deps.journalEnd(shardId);
      owned.own(shardId, epoch, await this.startOffsets(shardId, snapshot.offsets)).journalEnd = journalEnd;
      log.info("shard_recovered", { shardId, accounts: snapshot.accounts.length + snapshot.dormant.size, dormant: snapshot.dormant.size, offsets: snapshot.offsets });
      this.deps.onShardRecovered?.(shardId);
    }
    const shard = owned.get(shardId)!;
    for (const [topic, offset] of Object.entries(shard.nextOffsets)) this.deps.seek(topic, shardId, offset);
  }

  /** The snapshot's offsets, or the start of each partition for a shard never snapshotted. */
  private async startOffsets(shardId: number, stored: Record<string, string>): Promise<Record<string, string>> {
    const offsets: Record<string, string> = {};
    for (const topic of this.deps.inputTopics) offsets[topic] = stored[topic] ?? (await this.deps.lowOffset(topic, shardId));
    return offsets;
  }
}
