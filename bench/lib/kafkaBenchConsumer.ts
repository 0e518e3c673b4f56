/**
 * A bare kafkajs consumer, run as its own process by the kafka-ingest benchmark: reads a topic
 * from the beginning with the engine's consumer settings (eachBatch, 4 partitions at a time, no
 * commits) and only decodes each record (bareConsumerRun.ts), until `count` records. It is the
 * floor of any kafkajs-based design.
 *
 *   bun bench/lib/kafkaBenchConsumer.ts TOPIC COUNT GROUP_ID
 */
import { Kafka, logLevel } from "kafkajs";
import { bareConsumerRun } from "./bareConsumerRun.ts";

const run = bareConsumerRun("kafkaBenchConsumer.ts");
const kafka = new Kafka({ clientId: run.groupId, brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: run.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
await consumer.connect();
await consumer.subscribe({ topics: [run.topic], fromBeginning: true });
run.connected();
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: 4,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    for (const record of batch.messages) {
      run.decode(record.value);
      resolveOffset(record.offset);
    }
    await heartbeat();
  },
});
await run.finish(() => consumer.disconnect());
