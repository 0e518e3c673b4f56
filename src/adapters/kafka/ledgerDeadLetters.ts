/**
 * Transfers the ledger gave up on, to `financial.transactions.dlq`: the transfer as it came, with
 * the reason in a header and in the value; records that were not transfers at all, as their text.
 * Awaited (acks=all): the worker commits its offsets only once the dead letter is written.
 */
import { Kafka, type Producer } from "kafkajs";
import type { ApprovedTransfer } from "../../domain/ledger/postingPlan.ts";
import type { Logger } from "../../observability/log.ts";
import type { LedgerDeadLetters } from "../../runtime/ports.ts";
import { kafkaLogOptions } from "./kafkaLog.ts";

const SEND_TIMEOUT_MS = 10_000;

export class KafkaLedgerDeadLetters implements LedgerDeadLetters {
  private readonly producer: Producer;

  constructor(brokers: string[], clientId: string, private readonly topic: string, log: Logger) {
    const kafka = new Kafka({ clientId, brokers, retry: { retries: 3 }, ...kafkaLogOptions(log) });
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  stop(): Promise<void> {
    return this.producer.disconnect();
  }

  send(transfer: ApprovedTransfer, reason: string): Promise<void> {
    const value = JSON.stringify({ reason, at: new Date().toISOString(), transfer });
    return this.write(transfer.fromAccountId, value, reason);
  }

  /** A record of the approved topic that is not a transfer: kept as it came. */
  sendUnreadable(key: string | null, text: string): Promise<void> {
    return this.write(key, text, "invalid_record");
  }

  private async write(key: string | null, value: string, reason: string): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, timeout: SEND_TIMEOUT_MS, messages: [{ key, value, headers: { reason } }] });
  }
}
