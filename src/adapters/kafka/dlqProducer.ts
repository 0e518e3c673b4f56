/**
 * Dead letters to Kafka `bank.dlq`: the original bytes, with reason and source in headers.
 * Called on the hot path: it only buffers (bounded, a drop counted past it); a flusher sends
 * batches and keeps them on failure, retrying with backoff. Delivery is at least once (a replay
 * after a crash may dead-letter a record again).
 */
import { Kafka, type Producer } from "kafkajs";
import { Backoff } from "../../lib/backoff.ts";
import { BatchFlusher } from "../../lib/batchFlusher.ts";
import type { Logger } from "../../observability/log.ts";
import type { DeadLetter } from "../../runtime/deadLetter.ts";
import { kafkaLogOptions } from "./kafkaLog.ts";

const BUFFER_LETTERS_MAX = 100_000;
const BATCH_LETTERS_MAX = 1000;
/**
 * A DLQ record's payload at most, in UTF-8 bytes: below the broker's default message.max.bytes
 * (1 MiB), so a 1 MiB junk input cannot make every later dead letter fail forever. A longer
 * payload is cut, with headers payload_truncated and payload_bytes (the in-memory DLQ keeps it).
 */
export const DLQ_RECORD_PAYLOAD_BYTES_MAX = 512 * 1024;
/** Payload bytes in one produce request at most. */
const BATCH_PAYLOAD_BYTES_MAX = 4 * 1024 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit: below this length no byte count is needed. */
const UTF8_BYTES_PER_CODE_UNIT_MAX = 3;
const FLUSH_INTERVAL_MS = 20;
const RETRY_MS_MIN = 1000;
const RETRY_MS_MAX = 30_000;

export class KafkaDlqProducer {
  private readonly producer: Producer;
  private readonly flusher: BatchFlusher<DeadLetter>;

  constructor(
    brokers: string[], clientId: string, private readonly topic: string, log: Logger,
    onDrop: (count: number) => void, onSendFailed: () => void,
  ) {
    const kafka = new Kafka({ clientId, brokers, retry: { retries: 5 }, ...kafkaLogOptions(log) });
    this.producer = kafka.producer({ allowAutoTopicCreation: true });
    this.flusher = new BatchFlusher({
      itemsMax: BUFFER_LETTERS_MAX, batchItemsMax: BATCH_LETTERS_MAX, flushIntervalMs: FLUSH_INTERVAL_MS,
      batchBytesMax: BATCH_PAYLOAD_BYTES_MAX, sizeOf: (letter) => Math.min(letter.payload.length * UTF8_BYTES_PER_CODE_UNIT_MAX, DLQ_RECORD_PAYLOAD_BYTES_MAX),
      retry: new Backoff(RETRY_MS_MIN, RETRY_MS_MAX),
      send: async (letters) => void (await this.producer.send({ topic: this.topic, messages: letters.map(recordOf) })),
      onDropped: (count) => onDrop(count),
      onSendFailed: (error, failure) => {
        onSendFailed();
        log.warn("dlq_send_failed", { error: String(error), ...failure, buffered: this.flusher.length });
      },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.flusher.start();
  }

  /** Failed sends since the last success (the letters wait and are retried). */
  get failuresInARow(): number {
    return this.flusher.failuresInARow;
  }

  send(letter: DeadLetter): void {
    this.flusher.push(letter);
  }

  async stop(): Promise<void> {
    await this.flusher.stop();
    await this.producer.disconnect();
  }
}

export function recordOf(letter: DeadLetter) {
  const source = letter.source;
  const headers: Record<string, string> = { reason: letter.reason, dead_lettered_at: letter.at, source: source.kind };
  if (source.kind === "kafka") {
    headers.source_topic = source.topic;
    headers.source_partition = String(source.partition);
    headers.source_offset = source.offset;
  }
  if (letter.messageId !== undefined) headers.message_id = letter.messageId;
  if (letter.detail !== undefined) headers.detail = letter.detail;
  const payload = letter.payload;
  if (payload.length * UTF8_BYTES_PER_CODE_UNIT_MAX <= DLQ_RECORD_PAYLOAD_BYTES_MAX) return { value: payload, headers };
  const bytes = Buffer.from(payload);
  if (bytes.length <= DLQ_RECORD_PAYLOAD_BYTES_MAX) return { value: bytes, headers };
  headers.payload_truncated = "true";
  headers.payload_bytes = String(bytes.length);
  return { value: bytes.subarray(0, DLQ_RECORD_PAYLOAD_BYTES_MAX), headers };
}
