/**
 * The ledger's outbox items to Kafka, acknowledged by all in-sync replicas before the relay
 * deletes them: legs to `bank.transactions` (the core bank's topic, on their account's
 * partition), failures to the transfer journal (on the source's partition: the engine that owns
 * the account reads it like its other inputs and releases the hold).
 */
import { Kafka, type Message, type Producer } from "kafkajs";
import type { Logger } from "../../observability/log.ts";
import { partitionForKey } from "../../runtime/partitionForKey.ts";
import type { LedgerOutlet, OutboxItem } from "../../runtime/ports.ts";
import { kafkaLogOptions } from "./kafkaLog.ts";

const SEND_TIMEOUT_MS = 10_000;

export interface LedgerOutletTopics {
  readonly transactions: string;
  readonly journal: string;
}

export class KafkaLedgerOutlet implements LedgerOutlet {
  private readonly producer: Producer;

  constructor(brokers: string[], clientId: string, private readonly topics: LedgerOutletTopics, private readonly shardCount: number, log: Logger) {
    const kafka = new Kafka({ clientId, brokers, retry: { retries: 3 }, ...kafkaLogOptions(log) });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  stop(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(items: readonly OutboxItem[]): Promise<void> {
    const message = (item: OutboxItem): Message => ({ key: item.key, value: item.payload, partition: partitionForKey(item.key, this.shardCount) });
    const legs = items.filter((item) => item.kind === "leg").map(message);
    const failures = items.filter((item) => item.kind === "failed").map(message);
    const topicMessages = [
      ...(legs.length > 0 ? [{ topic: this.topics.transactions, messages: legs }] : []),
      ...(failures.length > 0 ? [{ topic: this.topics.journal, messages: failures }] : []),
    ];
    if (topicMessages.length > 0) await this.producer.sendBatch({ topicMessages, acks: -1, timeout: SEND_TIMEOUT_MS });
  }
}
