/** The Kafka topic names the engine uses. */
export interface KafkaTopics {
  readonly eod: string;
  readonly transactions: string;
  readonly dlq: string;
  /** The transfer journal: the engine's own input, partitioned like the others. */
  readonly journal: string;
}

/** The input topics; partition p of each is shard p. */
export function inputTopicsOf(topics: KafkaTopics): string[] {
  return [topics.eod, topics.transactions, topics.journal];
}
