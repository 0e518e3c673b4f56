/**
 * The transfer journal on Kafka: each record goes to its source account's partition (shard = partition)
 * with acks from all in-sync replicas, and `append` resolves only then; the engine answers 201
 * after that. Records made while sends are out wait and go together in the next one, up to
 * `SENDS_IN_FLIGHT_MAX` at once, so the cost of an acknowledgement is shared by all the transfers
 * decided meanwhile. Neither reordering nor a retried duplicate can matter: one account's next
 * record is only made after its previous one was acknowledged (its actor waits), and replay skips
 * a fact the account already has. Bounded: past `PENDING_MAX` waiting records an append fails at
 * once (the caller answers 503).
 * Approved transfers also go, after their journal record, to the ledger's topic (at least once:
 * the ledger posts a transfer at most once by its id).
 */
import { Kafka, Partitioners, type Message, type Producer } from "kafkajs";
import type { Transfer } from "../../domain/transfer/transfer.ts";
import type { Logger } from "../../observability/log.ts";
import type { TransferJournal } from "../../runtime/ports.ts";
import type { TransferJournalRecord } from "../../runtime/transferJournalRecord.ts";
import { kafkaLogOptions } from "./kafkaLog.ts";

const PENDING_MAX = 10_000;
const SENDS_IN_FLIGHT_MAX = 4;
/** A journal write that has not been acknowledged by then fails (the transfer is not answered 201). */
const ACK_TIMEOUT_MS = 5000;

interface Waiting {
  readonly message: Message;
  resolve(): void;
  reject(error: unknown): void;
}

export interface TransferJournalTopics {
  readonly journal: string;
  readonly approved: string;
}

export class KafkaTransferJournal implements TransferJournal {
  private readonly producer: Producer;
  /** Its own producer, so that the ledger's feed never queues behind the journal or before it. */
  private readonly approvedProducer: Producer;
  private waiting: Waiting[] = [];
  private sending = 0;

  constructor(
    brokers: string[], clientId: string, private readonly topics: TransferJournalTopics,
    private readonly partitionOf: (accountId: string) => number, private readonly log: Logger,
    private readonly approvedSendFailed: () => void,
  ) {
    const kafka = new Kafka({ clientId, brokers, retry: { retries: 3 }, ...kafkaLogOptions(log) });
    this.producer = kafka.producer({ maxInFlightRequests: SENDS_IN_FLIGHT_MAX, allowAutoTopicCreation: false });
    this.approvedProducer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    await this.approvedProducer.connect();
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
    await this.approvedProducer.disconnect();
  }

  append(record: TransferJournalRecord): Promise<void> {
    if (this.waiting.length >= PENDING_MAX) return Promise.reject(new Error("the transfer journal has too many records waiting"));
    const accountId = record.kind === "decided" ? record.transfer.fromAccountId : record.fromAccountId;
    const message: Message = { key: accountId, value: JSON.stringify(record), partition: this.partitionOf(accountId) };
    const appended = new Promise<void>((resolve, reject) => this.waiting.push({ message, resolve, reject }));
    if (this.sending < SENDS_IN_FLIGHT_MAX) void this.sendWaiting();
    return appended;
  }

  /** The approved transfer to the ledger's topic, keyed by its source; a failure is counted and logged. */
  approved(transfer: Transfer): void {
    const value = JSON.stringify(transfer);
    this.approvedProducer.send({ topic: this.topics.approved, acks: -1, messages: [{ key: transfer.fromAccountId, value }] })
      .catch((error) => {
        this.approvedSendFailed();
        this.log.error("transfer_approved_send_failed", { transferId: transfer.transferId, error: String(error) });
      });
  }

  /** One sender: sends what waits, again while more waits. Up to SENDS_IN_FLIGHT_MAX run at once. */
  private async sendWaiting(): Promise<void> {
    this.sending += 1;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.producer.send({ topic: this.topics.journal, acks: -1, timeout: ACK_TIMEOUT_MS, messages: batch.map((w) => w.message) });
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        this.log.error("transfer_journal_send_failed", { records: batch.length, error: String(error) });
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.sending -= 1;
  }
}
