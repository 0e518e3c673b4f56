/**
 * Applies one fetched batch of a partition: each record not yet inside the recovered state goes
 * to ingest, in offset order, and the shard's next offset moves past it. The loop never awaits:
 * a record whose actor waits on a lookup stays pending (its offset keeps the snapshot from
 * running ahead) while the consumer goes on fetching and heartbeating. When the shard's
 * mailboxes reach their bound, the partition is paused until they drain (backpressure).
 */
import type { Logger } from "../../observability/log.ts";
import type { MessageIngest, ShardHost, TransferJournalReplay } from "../../runtime/ports.ts";
import type { OwnedShard, OwnedShards } from "./ownedShards.ts";

/** Messages a shard's mailboxes may hold before its partition is paused (plus one fetched batch). */
export const SHARD_MAILBOX_MESSAGES_MAX = 10_000;

export interface FetchedRecord {
  readonly offset: string;
  readonly value: Buffer | null;
}

export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly FetchedRecord[];
}

export interface BatchApplierDeps {
  readonly owned: OwnedShards;
  readonly ingest: MessageIngest;
  /** The transfer journal's topic and where its records go. */
  readonly journalTopic: string;
  readonly journal: TransferJournalReplay;
  readonly host: ShardHost;
  /** Stops fetching the shard's partitions until `queuedIn` falls to half the bound. */
  readonly backpressure: (partition: number) => void;
  readonly log: Logger;
  /** Runs a batch's hand-over: the engine sends the WebSocket pushes it makes together at its end. */
  readonly batchScope?: BatchScope;
}

/** Runs `run` and hands back what it returns (SubscriptionHub.corked). */
export type BatchScope = <T>(run: () => T) => T;

const UNSCOPED: BatchScope = (run) => run();

/** The offset after the last record handed over, and that record's offset (null: none). */
interface HandedOver {
  readonly next: bigint;
  readonly last: string | null;
}

export class BatchApplier {
  constructor(private readonly deps: BatchApplierDeps) {}

  /**
   * Hands the batch to ingest while `isActive()`; `applied(offset)` is told the last record
   * handed over, once (kafkajs keeps the highest resolved offset: once per record cost ~0.4 µs).
   */
  apply(batch: FetchedBatch, isActive: () => boolean, applied: (offset: string) => void): void {
    const shard = this.deps.owned.get(batch.partition);
    if (shard === undefined) return; // not ours (any more): the new owner reads it
    const { topic, partition } = batch;
    const first = BigInt(shard.nextOffsets[topic] ?? "0");
    const handed = (this.deps.batchScope ?? UNSCOPED)(() => this.handOver(batch, shard, first, isActive));
    if (handed.last !== null) applied(handed.last);
    if (handed.next !== first) shard.nextOffsets[topic] = String(handed.next);
    if (this.deps.host.queuedIn(partition) >= SHARD_MAILBOX_MESSAGES_MAX) this.deps.backpressure(partition);
  }

  /** Each record from `first` on to ingest (or the journal), in offset order, while `isActive()`. */
  private handOver(batch: FetchedBatch, shard: OwnedShard, first: bigint, isActive: () => boolean): HandedOver {
    const { topic, partition } = batch;
    let next = first;
    let last: string | null = null;
    for (const record of batch.records) {
      if (!isActive()) break;
      const offset = BigInt(record.offset);
      if (offset < next) continue; // already inside the recovered state
      if (offset > next) this.deps.log.warn("kafka_offset_gap", { topic, partition, expected: String(next), got: record.offset });
      const text = record.value === null ? "" : record.value.toString("utf8");
      const result = topic === this.deps.journalTopic
        ? this.deps.journal.replay(text, partition)
        : this.deps.ingest.ingest({ text, source: { kind: "kafka", topic, partition, offset: record.offset }, shard: partition });
      if (result instanceof Promise) this.trackPending(shard, topic, offset, result);
      next = offset + 1n;
      last = record.offset;
    }
    return { next, last };
  }

  private trackPending(shard: OwnedShard, topic: string, offset: bigint, result: Promise<unknown>): void {
    let pending = shard.pending.get(topic);
    if (pending === undefined) shard.pending.set(topic, (pending = new Set()));
    pending.add(offset);
    const settle = () => pending.delete(offset);
    result.then(settle, (error) => {
      settle();
      this.deps.log.error("ingest_failed", { topic, offset: String(offset), error: String(error) });
    });
  }
}
