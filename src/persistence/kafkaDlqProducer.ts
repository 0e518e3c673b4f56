/**
 * Dead letters to Kafka `bank.dlq`: the original bytes, with reason and source in headers.
 * Called on the hot path: it only buffers (bounded); a flusher sends batches and keeps them on
 * failure. Delivery is at least once (a replay after a crash may dead-letter a record again).
 */
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { DeadLetter } from "../engine/deadLetter.ts";
import type { Logger } from "../observability/log.ts";

const BUFFER_MAX = 100_000;
const BATCH_MAX = 1000;
const FLUSH_MS = 20;

export class KafkaDlqProducer {
  private readonly producer: Producer;
  private buffer: DeadLetter[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(brokers: string[], clientId: string, private readonly topic: string, private readonly log: Logger, private readonly onDrop: () => void) {
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { retries: 5 } });
    this.producer = kafka.producer({ allowAutoTopicCreation: true });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  send(letter: DeadLetter): void {
    if (this.buffer.length >= BUFFER_MAX) return this.onDrop();
    this.buffer.push(letter);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  flush(): Promise<void> {
    this.timer = null;
    this.flushing = this.flushing.then(() => this.sendBuffered());
    return this.flushing;
  }

  async stop(): Promise<void> {
    await this.flush();
    await this.producer.disconnect();
  }

  private async sendBuffered(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, BATCH_MAX);
      try {
        await this.producer.send({ topic: this.topic, messages: batch.map(toRecord) });
        this.buffer.splice(0, batch.length);
      } catch (error) {
        this.log.warn("dlq_send_failed", { error: String(error), buffered: this.buffer.length });
        this.timer ??= setTimeout(() => void this.flush(), 1000);
        return;
      }
    }
  }
}

function toRecord(letter: DeadLetter) {
  const source = letter.source;
  const headers: Record<string, string> = { reason: letter.reason, dead_lettered_at: letter.at, source: source.kind };
  if (source.kind === "kafka") {
    headers.source_topic = source.topic;
    headers.source_partition = String(source.partition);
    headers.source_offset = source.offset;
  }
  if (letter.messageId !== undefined) headers.message_id = letter.messageId;
  return { value: letter.payload, headers };
}
