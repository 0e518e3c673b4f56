/**
 * The ledger worker's Kafka side: a consumer group on `financial.transactions.approved` (several
 * workers share its partitions). Each fetched batch is posted in chunks of `batchMax` transfers;
 * a chunk's offsets are committed only after the ledger committed it, so a crash in between
 * redelivers transfers the ledger already has, and it skips them (posted at most once by id).
 */
import { Kafka, type Consumer, type EachBatchPayload } from "kafkajs";
import type { ApprovedTransfer } from "../../domain/ledger/postingPlan.ts";
import type { Logger } from "../../observability/log.ts";
import { parseApprovedTransfer } from "../../runtime/transferJournalRecord.ts";
import { kafkaLogOptions } from "./kafkaLog.ts";

const PARTITIONS_CONSUMED_CONCURRENTLY = 4;
const HEARTBEATS_PER_SESSION = 4;

export interface ApprovedConsumerOptions {
  readonly brokers: string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topic: string;
  readonly sessionTimeoutMs: number;
  readonly batchMax: number;
  readonly log: Logger;
  /** Posts a chunk; resolves once the ledger committed it (or gave up on it, dead-lettered). `heartbeat` keeps the membership while it retries. */
  readonly post: (transfers: readonly ApprovedTransfer[], heartbeat: () => Promise<void>) => Promise<void>;
  /** A record that is not a transfer: resolves once dead-lettered. */
  readonly unreadable: (key: string | null, text: string) => Promise<void>;
  readonly lag: (partition: number, lag: number) => void;
  /** Testing only (LEDGER_FAILPOINT=exit_after_post): a chunk was posted, its offsets not yet committed. */
  readonly afterPost?: () => void;
}

export class ApprovedConsumer {
  private readonly consumer: Consumer;

  constructor(private readonly options: ApprovedConsumerOptions) {
    const kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, ...kafkaLogOptions(options.log) });
    const heartbeatInterval = Math.max(200, Math.floor(options.sessionTimeoutMs / HEARTBEATS_PER_SESSION));
    this.consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: options.sessionTimeoutMs, heartbeatInterval, maxWaitTimeInMs: heartbeatInterval });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    // autoCommitThreshold 1: a resolved offset is committed at the next commitOffsetsIfNecessary.
    await this.consumer.run({
      autoCommit: true, autoCommitThreshold: 1, eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    let chunk: ApprovedTransfer[] = [];
    let chunkEnd = "";
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.options.post(chunk, heartbeat);
      this.options.afterPost?.();
      resolveOffset(chunkEnd);
      await commitOffsetsIfNecessary();
      await heartbeat();
      chunk = [];
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const text = message.value?.toString() ?? "";
      const transfer = parseApprovedTransfer(text);
      if (transfer === null) {
        await flush();
        await this.options.unreadable(message.key?.toString() ?? null, text);
        resolveOffset(message.offset);
        continue;
      }
      chunk.push(transfer);
      chunkEnd = message.offset;
      if (chunk.length >= this.options.batchMax) await flush();
    }
    await flush();
    await commitOffsetsIfNecessary();
    this.options.lag(batch.partition, Number(batch.offsetLag()));
  }
}
