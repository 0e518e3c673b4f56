/**
 * Applies one fetched batch of a partition: each record not yet inside the recovered state goes
 * to ingest, in offset order, and the shard's next offset moves past it. The loop never awaits,
 * so no snapshot reads `nextOffsets` half-way: it is stored once, after the loop.
 */
import type { Logger } from "../../observability/log.ts";
import type { MessageResult } from "../../runtime/inbound.ts";
import type { MessageIngest } from "../../runtime/ports.ts";
import type { OwnedShards } from "./ownedShards.ts";

export interface FetchedRecord {
  readonly offset: string;
  readonly value: Buffer | null;
}

export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly FetchedRecord[];
}

export class BatchApplier {
  constructor(private readonly owned: OwnedShards, private readonly ingest: MessageIngest, private readonly log: Logger) {}

  /**
   * Applies the batch while `isActive()`; `applied(offset)` is told each record handed to ingest.
   * Resolves once every record is applied (some may wait on lookups in their actor).
   */
  async apply(batch: FetchedBatch, isActive: () => boolean, applied: (offset: string) => void): Promise<void> {
    const shard = this.owned.get(batch.partition);
    if (shard === undefined) return; // not ours (any more): the new owner reads it
    const { topic, partition } = batch;
    const pending: Promise<MessageResult>[] = [];
    const first = BigInt(shard.nextOffsets[topic] ?? "0");
    let next = first;
    for (const record of batch.records) {
      if (!isActive()) break;
      const offset = BigInt(record.offset);
      if (offset < next) continue; // already inside the recovered state
      if (offset > next) this.log.warn("kafka_offset_gap", { topic, partition, expected: String(next), got: record.offset });
      const result = this.ingest.ingest({
        text: record.value === null ? "" : record.value.toString("utf8"),
        source: { kind: "kafka", topic, partition, offset: record.offset },
        shard: partition,
      });
      if (result instanceof Promise) pending.push(result);
      next = offset + 1n;
      applied(record.offset);
    }
    if (next !== first) shard.nextOffsets[topic] = String(next);
    await Promise.all(pending);
  }
}
