/**
 * The Kafka event source. A consumer group reads the EOD and transaction topics; partition p of
 * both is shard p. Progress lives with the state: each shard's snapshot holds its accounts and
 * the offsets they include, so on assignment the source loads the snapshot, seeks to those
 * offsets and replays the rest: every record affects balances exactly once.
 *
 * The moving parts, each in its own file: `ConsumerRunner` (group membership and fetching),
 * `ShardRecovery` (assignment → claims, snapshots, seeks), `BatchApplier` (records → ingest,
 * offsets), `SnapshotScheduler` (periodic fenced snapshots), `OwnedShards` (what they share).
 */
import { Kafka, type Admin } from "kafkajs";
import type { Logger } from "../../observability/log.ts";
import type { EventSource, MessageIngest, ShardHost, SnapshotStore, SourceState, SourceStatus, TransferJournalReplay } from "../../runtime/ports.ts";
import { BatchApplier, SHARD_MAILBOX_MESSAGES_MAX, type BatchScope } from "./batchApplier.ts";
import { sessionTimeoutFloorMs } from "./brokerLimits.ts";
import { ConsumerRunner } from "./consumerRunner.ts";
import { OwnedShards } from "./ownedShards.ts";
import { ShardRecovery } from "./shardRecovery.ts";
import { SnapshotScheduler, type SnapshotMetrics } from "./snapshotScheduler.ts";
import { kafkaLogOptions } from "./kafkaLog.ts";
import { inputTopicsOf, type KafkaTopics } from "./topics.ts";

const CLIENT_RETRY = { initialRetryTime: 300, maxRetryTime: 5000, retries: 20 };

export interface KafkaSourceOptions {
  readonly brokers: string[];
  readonly groupId: string;
  readonly instanceId: string;
  readonly topics: KafkaTopics;
  readonly snapshotIntervalMs: number;
  readonly sessionTimeoutMs: number;
  /** No fetch, heartbeat or batch for this long while running: the consumer is stalled. */
  readonly stallMs: number;
  /** Called once a shard's accounts are recovered from its snapshot. */
  readonly onShardRecovered?: (shardId: number) => void;
}

export interface KafkaSourceMetrics extends SnapshotMetrics {
  rebalance(): void;
  crash(): void;
  recoveryFailed(): void;
  paused(): void;
  /** A batch was fetched `lag` messages behind the partition's end. */
  lag(topic: string, partition: number, lag: number): void;
  /** The partitions are revoked: their lags are no longer this instance's. */
  lagCleared(): void;
}

/** How often a paused partition looks whether its mailboxes drained. */
const DRAIN_POLL_MS = 50;

export interface KafkaSourceDeps {
  readonly ingest: MessageIngest;
  readonly journal: TransferJournalReplay;
  readonly host: ShardHost;
  readonly snapshots: SnapshotStore;
  readonly log: Logger;
  readonly metrics: KafkaSourceMetrics;
  /** See BatchApplierDeps.batchScope. */
  readonly batchScope?: BatchScope;
}

export class KafkaSource implements EventSource {
  private readonly kafka: Kafka;
  private admin: Admin | null = null;
  private readonly owned: OwnedShards;
  private readonly scheduler: SnapshotScheduler;
  private readonly recovery: ShardRecovery;
  /** Made at start, once the brokers' session timeout floor is known. */
  private runner: ConsumerRunner | null = null;
  private state: SourceState = "starting";
  private recovered: Promise<void> = Promise.resolve();
  private readonly paused = new Set<number>();

  constructor(private readonly options: KafkaSourceOptions, private readonly deps: KafkaSourceDeps) {
    this.kafka = new Kafka({ clientId: `balance-engine-${options.instanceId}`, brokers: options.brokers, retry: CLIENT_RETRY, ...kafkaLogOptions(deps.log) });
    this.owned = new OwnedShards(deps.host);
    this.scheduler = new SnapshotScheduler(this.owned, deps.host, deps.snapshots, options.instanceId, deps.log, deps.metrics);
    this.recovery = new ShardRecovery({
      owned: this.owned, host: deps.host, store: deps.snapshots, snapshots: this.scheduler, instanceId: options.instanceId,
      inputTopics: inputTopicsOf(options.topics), lowOffset: (topic, partition) => this.lowOffset(topic, partition),
      journalEnd: (partition) => this.highOffset(options.topics.journal, partition),
      seek: (topic, partition, offset) => this.runner?.seek(topic, partition, offset),
      onShardRecovered: options.onShardRecovered, fenced: () => deps.metrics.fenced(),
      recoveryFailed: () => deps.metrics.recoveryFailed(), isStopped: () => this.state === "stopped", log: deps.log,
    });
  }

  /**
   * True while this instance decides for the shard: its partition is assigned, recovered, and its
   * transfer journal replayed up to where it ended at recovery (every hold is in the accounts).
   */
  owns(shardId: number): boolean {
    const shard = this.owned.get(shardId);
    return shard !== undefined && BigInt(shard.nextOffsets[this.options.topics.journal] ?? "0") >= shard.journalEnd;
  }

  markChanged(shardId: number, accountId: string): void {
    this.owned.markChanged(shardId, accountId);
  }

  status(): SourceStatus {
    const crashed = this.runner?.hasCrashed ?? false;
    const state = crashed && this.state !== "stopped" ? "crashed" : this.state;
    const stalled = state === "running" && (this.runner?.idleMs ?? 0) > this.options.stallMs;
    return { state, stalled, shards: this.owned.ids() };
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const runner = this.createRunner(await this.sessionTimeoutMs());
    this.runner = runner;
    await runner.start();
    this.scheduler.start(this.options.snapshotIntervalMs);
  }

  async stop(): Promise<void> {
    this.scheduler.stop();
    this.state = "stopped";
    await this.runner?.stop();
    await this.scheduler.snapshotAll();
    await this.runner?.disconnect();
    await this.admin?.disconnect();
  }

  /** KAFKA_SESSION_TIMEOUT_MS, raised to what the brokers accept. */
  private async sessionTimeoutMs(): Promise<number> {
    const configured = this.options.sessionTimeoutMs;
    const floor = await sessionTimeoutFloorMs(this.admin!).catch(() => null);
    if (floor === null || floor <= configured) return configured;
    this.deps.log.warn("kafka_session_timeout_raised", { configuredMs: configured, brokerMinimumMs: floor });
    return floor;
  }

  private createRunner(sessionTimeoutMs: number): ConsumerRunner {
    const { deps } = this;
    const applier = new BatchApplier({
      owned: this.owned, ingest: deps.ingest, host: deps.host, log: deps.log, journal: deps.journal, journalTopic: this.options.topics.journal,
      backpressure: (partition) => this.pauseUntilDrained(partition, deps), batchScope: deps.batchScope,
    });
    return new ConsumerRunner({
      kafka: this.kafka, groupId: this.options.groupId, topics: inputTopicsOf(this.options.topics), sessionTimeoutMs,
      log: deps.log, onAssigned: (assignment) => this.onAssigned(assignment), onRevoking: () => {
        deps.metrics.lagCleared();
        void this.scheduler.snapshotAll();
      },
      onBatch: (batch, isActive, applied) => applier.apply(batch, isActive, applied),
      lagSeen: (topic, partition, lag) => deps.metrics.lag(topic, partition, lag),
      crashed: () => deps.metrics.crash(),
      rebalanced: () => deps.metrics.rebalance(),
    });
  }

  private onAssigned(assignment: Record<string, number[]>): Promise<void> {
    this.state = "recovering";
    const topics = inputTopicsOf(this.options.topics);
    const assigned = new Set(topics.flatMap((topic) => assignment[topic] ?? []));
    this.recovered = this.recovered.then(() => this.recovery.recover(assigned)).then(() => {
      if (this.state === "recovering") this.state = "running";
    });
    return this.recovered;
  }

  /** Backpressure: the shard's mailboxes are full; fetch its partitions again once half drained. */
  private pauseUntilDrained(partition: number, deps: KafkaSourceDeps): void {
    if (this.paused.has(partition)) return;
    this.paused.add(partition);
    deps.metrics.paused();
    deps.log.warn("kafka_partition_paused", { partition, queued: deps.host.queuedIn(partition) });
    this.runner?.pause(partition);
    const poll = setInterval(() => {
      if (deps.host.queuedIn(partition) > SHARD_MAILBOX_MESSAGES_MAX / 2 && this.state !== "stopped") return;
      clearInterval(poll);
      this.paused.delete(partition);
      this.runner?.resume(partition);
      deps.log.info("kafka_partition_resumed", { partition });
    }, DRAIN_POLL_MS);
  }

  private async highOffset(topic: string, partition: number): Promise<bigint> {
    const partitions = await this.admin!.fetchTopicOffsets(topic);
    return BigInt(partitions.find((p) => p.partition === partition)?.high ?? "0");
  }

  private async lowOffset(topic: string, partition: number): Promise<string> {
    const partitions = await this.admin!.fetchTopicOffsets(topic);
    return partitions.find((p) => p.partition === partition)?.low ?? "0";
  }
}
