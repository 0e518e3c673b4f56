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
import type { EventSource, MessageIngest, ShardHost, SnapshotStore, SourceState, SourceStatus } from "../../runtime/ports.ts";
import { BatchApplier } from "./batchApplier.ts";
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
}

export interface KafkaSourceDeps {
  readonly ingest: MessageIngest;
  readonly host: ShardHost;
  readonly snapshots: SnapshotStore;
  readonly log: Logger;
  readonly metrics: KafkaSourceMetrics;
}

export class KafkaSource implements EventSource {
  private readonly kafka: Kafka;
  private admin: Admin | null = null;
  private readonly owned: OwnedShards;
  private readonly scheduler: SnapshotScheduler;
  private readonly recovery: ShardRecovery;
  private readonly runner: ConsumerRunner;
  private state: SourceState = "starting";
  private recovered: Promise<void> = Promise.resolve();

  constructor(private readonly options: KafkaSourceOptions, deps: KafkaSourceDeps) {
    this.kafka = new Kafka({ clientId: `balance-engine-${options.instanceId}`, brokers: options.brokers, retry: CLIENT_RETRY, ...kafkaLogOptions(deps.log) });
    this.owned = new OwnedShards(deps.host);
    this.scheduler = new SnapshotScheduler(this.owned, deps.host, deps.snapshots, options.instanceId, deps.log, deps.metrics);
    this.recovery = new ShardRecovery({
      owned: this.owned, host: deps.host, store: deps.snapshots, snapshots: this.scheduler, instanceId: options.instanceId,
      inputTopics: inputTopicsOf(options.topics), lowOffset: (topic, partition) => this.lowOffset(topic, partition),
      seek: (topic, partition, offset) => this.runner.seek(topic, partition, offset),
      onShardRecovered: options.onShardRecovered, fenced: () => deps.metrics.fenced(),
      recoveryFailed: () => deps.metrics.recoveryFailed(), isStopped: () => this.state === "stopped", log: deps.log,
    });
    const applier = new BatchApplier(this.owned, deps.ingest, deps.log);
    this.runner = new ConsumerRunner({
      kafka: this.kafka, groupId: options.groupId, topics: inputTopicsOf(options.topics), sessionTimeoutMs: options.sessionTimeoutMs,
      log: deps.log, onAssigned: (assignment) => this.onAssigned(assignment), onRevoking: () => void this.scheduler.snapshotAll(),
      onBatch: (batch, isActive, applied) => applier.apply(batch, isActive, applied),
      crashed: () => deps.metrics.crash(),
      rebalanced: () => deps.metrics.rebalance(),
    });
  }

  markChanged(shardId: number, accountId: string): void {
    this.owned.markChanged(shardId, accountId);
  }

  status(): SourceStatus {
    const state = this.runner.hasCrashed && this.state !== "stopped" ? "crashed" : this.state;
    const stalled = state === "running" && this.runner.idleMs > this.options.stallMs;
    return { state, stalled, shards: this.owned.ids() };
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.runner.start();
    this.scheduler.start(this.options.snapshotIntervalMs);
  }

  async stop(): Promise<void> {
    this.scheduler.stop();
    this.state = "stopped";
    await this.runner.stop();
    await this.scheduler.snapshotAll();
    await this.runner.disconnect();
    await this.admin?.disconnect();
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

  private async lowOffset(topic: string, partition: number): Promise<string> {
    const partitions = await this.admin!.fetchTopicOffsets(topic);
    return partitions.find((p) => p.partition === partition)?.low ?? "0";
  }
}
