/**
 * The Kafka event source. A consumer group reads the EOD and transaction topics; partition p of
 * both is shard p. Progress lives with the state: each shard's Redis snapshot holds its accounts
 * and the offsets they include, so on assignment the source loads the snapshot, seeks to those
 * offsets and replays the rest: every record affects balances exactly once. Kafka's own commits
 * are not used. kafkajs rebalances eagerly (every partition is revoked each time), so revocation
 * is handled explicitly: snapshot on REBALANCING, then keep, drop or recover on GROUP_JOIN.
 */
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload } from "kafkajs";
import type { BalanceEngine, MessageResult } from "../engine/balanceEngine.ts";
import type { Logger } from "../observability/log.ts";
import { decodeAccount, encodeAccount } from "./accountCodec.ts";
import type { KafkaTopics } from "./kafkaTopics.ts";
import type { RedisSnapshotStore } from "./redisSnapshotStore.ts";
import { newOwnedShard, type OwnedShard } from "./shardOwnership.ts";

export interface KafkaSourceOptions {
  readonly brokers: string[];
  readonly groupId: string;
  readonly instanceId: string;
  readonly topics: KafkaTopics;
  readonly snapshotIntervalMs: number;
  readonly sessionTimeoutMs: number;
  /** Called once a shard's accounts are recovered from its snapshot. */
  readonly onShardRecovered?: (shardId: number) => void;
  /** No fetch, heartbeat or batch for this long while running: the consumer is stalled. */
  readonly stallMs: number;
}

export interface KafkaSourceMetrics {
  rebalance(): void;
  crash(): void;
  snapshotWritten(accounts: number): void;
  snapshotFailed(): void;
  fenced(): void;
}

export type SourceState = "starting" | "recovering" | "running" | "crashed" | "stopped";

export class KafkaSource {
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private readonly owned = new Map<number, OwnedShard>();
  /** Settles when the latest assignment is recovered; batches wait on it. */
  private joined: Promise<void> = Promise.resolve();
  private state: SourceState = "starting";
  private lastActivityMs = Date.now();
  private snapshotTimer: ReturnType<typeof setInterval> | null = null;
  private snapshotting: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: KafkaSourceOptions,
    private readonly engine: BalanceEngine,
    private readonly snapshots: RedisSnapshotStore,
    private readonly log: Logger,
    private readonly metrics: KafkaSourceMetrics,
  ) {
    this.kafka = new Kafka({
      clientId: `balance-engine-${options.instanceId}`,
      brokers: options.brokers,
      logLevel: logLevel.ERROR,
      retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 20 },
    });
  }

  /** Marks an account for the next snapshot of its shard (called on every applied change). */
  markChanged(shardId: number, accountId: string): void {
    this.owned.get(shardId)?.dirty.add(accountId);
  }

  status(): { state: SourceState; stalled: boolean; shards: number[] } {
    const stalled = this.state === "running" && Date.now() - this.lastActivityMs > this.options.stallMs;
    return { state: this.state, stalled, shards: [...this.owned.keys()].sort((a, b) => a - b) };
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.startConsumer();
    this.snapshotTimer = setInterval(() => void this.snapshotAll(), this.options.snapshotIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.snapshotTimer !== null) clearInterval(this.snapshotTimer);
    this.state = "stopped";
    await this.consumer?.stop();
    await this.snapshotAll();
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.options.groupId, sessionTimeout: this.options.sessionTimeoutMs, heartbeatInterval: 1000 });
    this.consumer = consumer;
    const { GROUP_JOIN, REBALANCING, CRASH, FETCH_START, HEARTBEAT } = consumer.events;
    consumer.on(GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberAssignment));
    consumer.on(REBALANCING, () => {
      this.metrics.rebalance();
      void this.snapshotAll(); // our partitions are being revoked: save them while we still own them
    });
    consumer.on(FETCH_START, () => (this.lastActivityMs = Date.now()));
    consumer.on(HEARTBEAT, () => (this.lastActivityMs = Date.now()));
    consumer.on(CRASH, (event) => this.onCrash(event.payload.error, event.payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topics: [this.options.topics.eod, this.options.topics.transactions], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** A consumer that kafkajs will not restart itself is recreated, so that it never stops silently. */
  private onCrash(error: Error, restarting: boolean): void {
    this.metrics.crash();
    this.log.error("kafka_consumer_crashed", { error: String(error), restarting });
    if (restarting || this.state === "stopped") return;
    this.state = "crashed";
    setTimeout(() => {
      if (this.state !== "crashed") return;
      void this.consumer?.disconnect().catch(() => {});
      void this.startConsumer().catch((e) => this.log.error("kafka_consumer_restart_failed", { error: String(e) }));
    }, 2000);
  }

  private onGroupJoin(assignment: Record<string, number[]>): void {
    this.state = "recovering";
    this.joined = this.joined.then(() => this.recoverWithRetries(assignment)).then(() => {
      if (this.state === "recovering") this.state = "running";
    });
  }

  /**
   * Recovery meets passing errors (a partition leader not elected yet, Redis reconnecting): retry
   * with backoff. Batches wait meanwhile, so nothing is applied on a half-recovered shard.
   */
  private async recoverWithRetries(assignment: Record<string, number[]>): Promise<void> {
    for (let attempt = 1, backoffMs = 200; ; attempt++, backoffMs = Math.min(backoffMs * 2, 5000)) {
      try {
        return await this.recoverAssignment(assignment);
      } catch (error) {
        this.log.error("kafka_recovery_failed", { error: String(error), attempt, retryInMs: backoffMs });
        if (this.state === "stopped") return;
        await Bun.sleep(backoffMs);
      }
    }
  }

  private async recoverAssignment(assignment: Record<string, number[]>): Promise<void> {
    const assigned = new Set([...(assignment[this.options.topics.eod] ?? []), ...(assignment[this.options.topics.transactions] ?? [])]);
    await this.snapshotAll(); // through the one snapshot chain, never beside another pass
    const epoch = await this.snapshots.nextEpoch();
    for (const shardId of [...this.owned.keys()]) {
      if (!assigned.has(shardId)) this.release(shardId);
    }
    for (const shardId of assigned) await this.recoverShard(shardId, epoch);
    this.log.info("kafka_assignment_recovered", { shards: [...assigned].sort((a, b) => a - b), epoch });
  }

  private async recoverShard(shardId: number, epoch: number): Promise<void> {
    const claim = await this.snapshots.claim(shardId, epoch, this.options.instanceId);
    if (!claim.granted) {
      this.metrics.fenced();
      this.log.error("shard_claim_refused", { shardId, epoch, heldBy: claim.previousInstance, heldEpoch: claim.previousGeneration });
      return this.release(shardId);
    }
    const current = this.owned.get(shardId);
    const stillOurs = current !== undefined && claim.previousInstance === this.options.instanceId && claim.previousGeneration === current.epoch;
    if (stillOurs) {
      current.epoch = epoch; // nobody else held it in between: memory is current
    } else {
      const snapshot = await this.snapshots.load(shardId);
      this.engine.loadShard(shardId, [...snapshot.accounts.values()].map(decodeAccount));
      this.owned.set(shardId, newOwnedShard(epoch, await this.startOffsets(shardId, snapshot.offsets)));
      this.log.info("shard_recovered", { shardId, accounts: snapshot.accounts.size, offsets: snapshot.offsets });
      this.options.onShardRecovered?.(shardId);
    }
    const shard = this.owned.get(shardId)!;
    for (const [topic, offset] of Object.entries(shard.nextOffsets)) this.consumer?.seek({ topic, partition: shardId, offset });
  }

  /** The snapshot's offsets, or the start of each partition for a shard never snapshotted. */
  private async startOffsets(shardId: number, stored: Record<string, string>): Promise<Record<string, string>> {
    const offsets: Record<string, string> = {};
    for (const topic of [this.options.topics.eod, this.options.topics.transactions]) {
      const known = stored[topic];
      if (known !== undefined) {
        offsets[topic] = known;
        continue;
      }
      const partitions = await this.admin!.fetchTopicOffsets(topic);
      offsets[topic] = partitions.find((p) => p.partition === shardId)?.low ?? "0";
    }
    return offsets;
  }

  private release(shardId: number): void {
    this.owned.delete(shardId);
    this.engine.dropShard(shardId);
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.joined;
    this.lastActivityMs = Date.now();
    const shard = this.owned.get(batch.partition);
    if (shard === undefined) return; // not ours (any more): the new owner reads it
    const { topic, partition } = batch;
    const pending: Promise<MessageResult>[] = [];
    // The loop never awaits, so no snapshot reads nextOffsets half-way: it is stored once after.
    const first = BigInt(shard.nextOffsets[topic] ?? "0");
    let next = first;
    for (const record of batch.messages) {
      if (!isRunning() || isStale()) break;
      const offset = BigInt(record.offset);
      if (offset < next) continue; // already inside the recovered state
      if (offset > next) this.log.warn("kafka_offset_gap", { topic, partition, expected: String(next), got: record.offset });
      const result = this.engine.ingest({
        text: record.value === null ? "" : record.value.toString("utf8"),
        source: { kind: "kafka", topic, partition, offset: record.offset },
        shard: partition,
      });
      if (result instanceof Promise) pending.push(result);
      next = offset + 1n;
      resolveOffset(record.offset);
    }
    if (next !== first) shard.nextOffsets[topic] = String(next);
    await Promise.all(pending);
    await heartbeat();
  }

  /** Snapshots every owned shard; one pass at a time. */
  snapshotAll(): Promise<void> {
    this.snapshotting = this.snapshotting.then(async () => {
      for (const shardId of [...this.owned.keys()]) await this.snapshotShard(shardId);
    });
    return this.snapshotting;
  }

  /** Writes the shard's changed accounts and its offsets together, at a point where both agree. */
  private async snapshotShard(shardId: number): Promise<void> {
    const shard = this.owned.get(shardId);
    if (shard === undefined) return;
    for (let attempt = 0; !this.engine.isShardIdle(shardId); attempt++) {
      if (attempt >= 50) return; // still busy with lookups: the next pass takes it
      await Bun.sleep(10);
    }
    const offsets = JSON.stringify(shard.nextOffsets);
    if (shard.dirty.size === 0 && offsets === shard.snapshotOffsets) return;
    const states = this.engine.shardStates(shardId);
    const changed = new Map<string, string>();
    for (const accountId of shard.dirty) {
      const state = states.get(accountId);
      if (state !== undefined) changed.set(accountId, encodeAccount(state));
    }
    const dirty = [...shard.dirty];
    shard.dirty.clear();
    try {
      const written = await this.snapshots.write(shardId, shard.epoch, this.options.instanceId, changed, JSON.parse(offsets));
      if (written === "fenced") return this.onFenced(shardId, shard.epoch);
      if (written === "lost") return this.onSnapshotLost(shardId, shard);
      shard.snapshotOffsets = offsets;
      this.metrics.snapshotWritten(changed.size);
    } catch (error) {
      for (const accountId of dirty) shard.dirty.add(accountId); // nothing lost: next pass retries
      this.metrics.snapshotFailed();
      this.log.warn("snapshot_failed", { shardId, error: String(error) });
    }
  }

  /**
   * Redis lost the shard (restarted empty): claim it again and mark every account changed, so
   * the next pass writes a whole snapshot. Until then a crash would replay from the start.
   */
  private async onSnapshotLost(shardId: number, shard: OwnedShard): Promise<void> {
    this.log.warn("snapshot_lost", { shardId });
    const claim = await this.snapshots.claim(shardId, shard.epoch, this.options.instanceId);
    if (!claim.granted) return this.onFenced(shardId, shard.epoch);
    for (const accountId of this.engine.shardStates(shardId).keys()) shard.dirty.add(accountId);
    shard.snapshotOffsets = "";
  }

  /** Another instance claimed the shard with a newer epoch: we are a zombie for it. Let go. */
  private onFenced(shardId: number, epoch: number): void {
    this.metrics.fenced();
    this.log.error("snapshot_fenced", { shardId, epoch });
    this.release(shardId);
  }
}
