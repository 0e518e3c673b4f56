/** The Kafka topic names the engine uses. */
export interface KafkaTopics {
  readonly eod: string;
  readonly transactions: string;
  readonly dlq: string;
}
