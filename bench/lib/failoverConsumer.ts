/**
 * The failover baseline's group member: a bare kafkajs consumer with the engine's session
 * timeout, printing `assigned <partitions>` on each join and `got <value>` for each record. Run as
 * its own process so that the benchmark can kill -9 it.
 */
import { Kafka, logLevel } from "kafkajs";

const [topic = "", groupId = "", sessionTimeoutMs = "2000", heartbeatMs = "500"] = process.argv.slice(2);
const kafka = new Kafka({ clientId: `failover-${process.pid}`, brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId, sessionTimeout: Number(sessionTimeoutMs), heartbeatInterval: Number(heartbeatMs), maxWaitTimeInMs: Number(heartbeatMs) });
consumer.on(consumer.events.GROUP_JOIN, (event) => {
  process.stdout.write(`assigned ${JSON.stringify(event.payload.memberAssignment[topic] ?? [])}\n`);
});
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: false });
await consumer.run({ eachMessage: async ({ message }) => void process.stdout.write(`got ${message.value?.toString()}\n`) });
