/**
 * A bare @platformatic/kafka consumer, run as its own process by the kafka-ingest benchmark beside
 * the bare kafkajs one (kafkaBenchConsumer.ts), on the same topic in the same run: reads it from
 * the beginning in a consumer group, without commits, and only decodes each record
 * (bareConsumerRun.ts), until `count` records. The floor of a design on this client.
 *
 *   bun bench/lib/platformaticBenchConsumer.ts TOPIC COUNT GROUP_ID
 */
import { Consumer, MessagesStreamModes } from "@platformatic/kafka";
import { bareConsumerRun } from "./bareConsumerRun.ts";

const run = bareConsumerRun("platformaticBenchConsumer.ts");
const consumer = new Consumer({ groupId: run.groupId, clientId: run.groupId, bootstrapBrokers: ["127.0.0.1:9092"] });
const stream = await consumer.consume({
  topics: [run.topic], mode: MessagesStreamModes.EARLIEST, autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 1000,
});
run.connected();
stream.on("data", (record: { value: Buffer | null }) => run.decode(record.value));
stream.on("error", (error: unknown) => {
  console.error(String(error));
  process.exit(1);
});
await run.finish(() => consumer.close(true));
