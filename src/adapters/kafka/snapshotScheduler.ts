/**
 * Snapshots of the owned shards: every `intervalMs` (and on demand: revocation, shutdown) each
 * shard's changed accounts and its offsets are written together, read in one turn of the event
 * loop so that both agree. The offsets stored are the lowest not yet applied (a record whose
 * actor waits on a lookup holds them back), so a snapshot never runs ahead of its state; the
 * accounts applied beyond them are replayed as duplicates on recovery, which changes nothing.
 * One pass at a time. A write from an older claim is fenced: the shard is let go.
 *
 * Redis restarted empty is noticed by a write ("lost"); a shard with no traffic is not written,
 * so when one shard is found lost every owned shard is written again at the next pass, and every
 * `IDLE_SHARD_REWRITE_MS` each shard is written even if nothing changed (its offsets, a few bytes):
 * without that an idle shard would stay without a snapshot until a crash replayed it from the start.
 */
import type { AccountState } from "../../domain/account/accountState.ts";
import type { Logger } from "../../observability/log.ts";
import type { ShardHost, SnapshotStore } from "../../runtime/ports.ts";
import { appliedOffsetsOf, type OwnedShard, type OwnedShards } from "./ownedShards.ts";

const IDLE_SHARD_REWRITE_MS = 30_000;

export interface SnapshotMetrics {
  snapshotWritten(accounts: number): void;
  snapshotFailed(): void;
  fenced(): void;
}

export class SnapshotScheduler {
  private timer: ReturnType<typeof setInterval> | null = null;
  private passes: Promise<void> = Promise.resolve();
  private rewrittenAtMs = Date.now();

  constructor(
    private readonly owned: OwnedShards,
    private readonly host: ShardHost,
    private readonly store: SnapshotStore,
    private readonly instanceId: string,
    private readonly log: Logger,
    private readonly metrics: SnapshotMetrics,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.snapshotAll(), intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Snapshots every owned shard, after any pass already running. */
  snapshotAll(): Promise<void> {
    this.passes = this.passes.then(async () => {
      if (Date.now() - this.rewrittenAtMs >= IDLE_SHARD_REWRITE_MS) this.rewriteAll();
      for (const shardId of this.owned.ids()) await this.snapshotShard(shardId);
    });
    return this.passes;
  }

  private async snapshotShard(shardId: number): Promise<void> {
    const shard = this.owned.get(shardId);
    if (shard === undefined) return;
    const offsets = JSON.stringify(appliedOffsetsOf(shard));
    if (shard.dirty.size === 0 && offsets === shard.snapshotOffsets) return;
    const states = this.host.statesOf(shardId);
    const dormant = this.host.dormantOf(shardId);
    const changed = new Map<string, AccountState | string>();
    for (const accountId of shard.dirty) {
      // Dirty is a change, and a change wakes: only a rewrite after a loss asks for dormant ones.
      const state = states.get(accountId) ?? dormant.get(accountId);
      if (state !== undefined) changed.set(accountId, state);
    }
    const dirty = [...shard.dirty];
    shard.dirty.clear();
    try {
      const written = await this.store.write(shardId, shard.epoch, this.instanceId, changed, JSON.parse(offsets));
      if (written === "fenced") return this.fenced(shardId, shard.epoch);
      if (written === "lost") return this.lost(shardId, shard);
      shard.snapshotOffsets = offsets;
      this.metrics.snapshotWritten(changed.size);
    } catch (error) {
      for (const accountId of dirty) shard.dirty.add(accountId); // nothing lost: the next pass retries
      this.metrics.snapshotFailed();
      this.log.warn("snapshot_failed", { shardId, error: String(error) });
    }
  }

  /**
   * The store lost the shard (Redis restarted empty): claim it again and mark every account
   * changed, so the next pass writes a whole snapshot. Until then a crash would replay from the start.
   */
  private async lost(shardId: number, shard: OwnedShard): Promise<void> {
    this.log.warn("snapshot_lost", { shardId });
    const claim = await this.store.claim(shardId, shard.epoch, this.instanceId);
    if (!claim.granted) return this.fenced(shardId, shard.epoch);
    for (const accountId of this.host.statesOf(shardId).keys()) shard.dirty.add(accountId);
    for (const accountId of this.host.dormantOf(shardId).keys()) shard.dirty.add(accountId);
    this.rewriteAll(); // Redis lost the others too, idle or not: each write will say so
  }

  /** Every owned shard is written at the next pass, changed or not. */
  private rewriteAll(): void {
    this.rewrittenAtMs = Date.now();
    for (const shardId of this.owned.ids()) {
      const shard = this.owned.get(shardId);
      if (shard !== undefined) shard.snapshotOffsets = "";
    }
  }

  /** Another instance claimed the shard with a newer epoch: we are a zombie for it. Let go. */
  private fenced(shardId: number, epoch: number): void {
    this.metrics.fenced();
    this.log.error("snapshot_fenced", { shardId, epoch });
    this.owned.release(shardId);
  }
}
