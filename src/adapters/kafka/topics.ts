/** The Kafka topic names the engine uses. */
export interface KafkaTopics {
  readonly eod: string;
  readonly transactions: string;
  readonly dlq: string;
}

/** The input topics; partition p of each is shard p. */
export function inputTopicsOf(topics: KafkaTopics): string[] {
  return [topics.eod, topics.transactions];
}
