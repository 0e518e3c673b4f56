/**
 * The kafkajs consumer's lifecycle: join the group, report assignments and revocations, fetch
 * batches, and restart a consumer that crashed for good, so that it never stops silently. Kafka's
 * own offset commits are not used (the offsets live in the snapshots). kafkajs rebalances eagerly:
 * every partition is revoked each time, which `onRevoking` and `onAssigned` handle.
 */
import { Kafka, type Consumer, type EachBatchPayload } from "kafkajs";
import type { Logger } from "../../observability/log.ts";
import type { FetchedBatch } from "./batchApplier.ts";

/** Heartbeats per session timeout: a member is declared dead only after missing several. */
const HEARTBEATS_PER_SESSION = 4;
const HEARTBEAT_INTERVAL_MS_MIN = 200;
const PARTITIONS_CONSUMED_CONCURRENTLY = 4;
/** Wait before recreating a consumer that kafkajs will not restart itself. */
const CRASH_RESTART_DELAY_MS = 2000;

export interface ConsumerRunnerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly log: Logger;
  /**
   * The group gave this member partitions (topic → partitions). Called at once; batches wait until
   * the promise it returns settles (the source chains its recoveries, one after the other).
   */
  readonly onAssigned: (assignment: Record<string, number[]>) => Promise<void>;
  /** Our partitions are being revoked: save them while we still own them. */
  readonly onRevoking: () => void;
  readonly onBatch: (batch: FetchedBatch, isActive: () => boolean, applied: (offset: string) => void) => void;
  readonly crashed: () => void;
  readonly rebalanced: () => void;
  /** Each batch's lag: the partition's high watermark minus the offset after the batch (kafkajs's offsetLag). */
  readonly lagSeen: (topic: string, partition: number, lag: number) => void;
}

export class ConsumerRunner {
  private consumer: Consumer | null = null;
  /** Settles when the latest assignment is handled; batches wait on it. */
  private joined: Promise<void> = Promise.resolve();
  private lastActivityMs = Date.now();
  private crashedForGood = false;
  private stopped = false;

  constructor(private readonly options: ConsumerRunnerOptions) {}

  /** Milliseconds since the last fetch, heartbeat or batch. */
  get idleMs(): number {
    return Date.now() - this.lastActivityMs;
  }

  get hasCrashed(): boolean {
    return this.crashedForGood;
  }

  async start(): Promise<void> {
    const { kafka, groupId, sessionTimeoutMs } = this.options;
    const heartbeatInterval = Math.max(HEARTBEAT_INTERVAL_MS_MIN, Math.floor(sessionTimeoutMs / HEARTBEATS_PER_SESSION));
    // kafkajs heartbeats between fetches: a fetch that long-polls past the session timeout on an
    // idle topic (its default wait is 5 s) would get the member expelled, so it waits one interval.
    const consumer = kafka.consumer({ groupId, sessionTimeout: sessionTimeoutMs, heartbeatInterval, maxWaitTimeInMs: heartbeatInterval });
    this.consumer = consumer;
    this.crashedForGood = false;
    const { GROUP_JOIN, REBALANCING, CRASH, FETCH_START, HEARTBEAT } = consumer.events;
    consumer.on(GROUP_JOIN, (event) => {
      this.joined = this.options.onAssigned(event.payload.memberAssignment);
    });
    consumer.on(REBALANCING, () => {
      this.options.rebalanced();
      this.options.onRevoking();
    });
    consumer.on(FETCH_START, () => this.touch());
    consumer.on(HEARTBEAT, () => this.touch());
    consumer.on(CRASH, (event) => this.onCrash(event.payload.error, event.payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  seek(topic: string, partition: number, offset: string): void {
    this.consumer?.seek({ topic, partition, offset });
  }

  /** Stops fetching a partition of each topic; the member stays in the group and heartbeats. */
  pause(partition: number): void {
    this.consumer?.pause(this.options.topics.map((topic) => ({ topic, partitions: [partition] })));
  }

  resume(partition: number): void {
    this.consumer?.resume(this.options.topics.map((topic) => ({ topic, partitions: [partition] })));
  }

  /** Stops fetching; the consumer stays connected until `disconnect`. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.stop();
  }

  async disconnect(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private touch(): void {
    this.lastActivityMs = Date.now();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.joined;
    this.touch();
    const fetched = { topic: batch.topic, partition: batch.partition, records: batch.messages };
    this.options.lagSeen(batch.topic, batch.partition, Number(batch.offsetLag()));
    this.options.onBatch(fetched, () => isRunning() && !isStale(), resolveOffset);
    await heartbeat();
  }

  private onCrash(error: Error, restarting: boolean): void {
    this.options.crashed();
    this.options.log.error("kafka_consumer_crashed", { error: String(error), restarting });
    if (restarting || this.stopped) return;
    this.crashedForGood = true;
    setTimeout(() => {
      if (!this.crashedForGood || this.stopped) return;
      void this.consumer?.disconnect().catch(() => {});
      void this.start().catch((e) => this.options.log.error("kafka_consumer_restart_failed", { error: String(e) }));
    }, CRASH_RESTART_DELAY_MS);
  }
}
