/**
 * A bare kafkajs consumer, run as its own process by the kafka-ingest benchmark: reads a topic
 * from the beginning with the engine's consumer settings (eachBatch, 4 partitions at a time, no
 * commits) and only decodes each record (toString + JSON.parse), until `count` records. It is the
 * floor of any kafkajs-based design. Prints one JSON line:
 * {"count","connectSec","firstToLastSec","totalSec"}.
 *
 *   bun bench/lib/kafkaBenchConsumer.ts TOPIC COUNT GROUP_ID
 */
import { Kafka, logLevel } from "kafkajs";

const [topic, countText, groupId] = process.argv.slice(2);
if (topic === undefined || countText === undefined || groupId === undefined) {
  console.error("usage: kafkaBenchConsumer.ts TOPIC COUNT GROUP_ID");
  process.exit(2);
}
const expected = Number(countText);
const started = performance.now();
const kafka = new Kafka({ clientId: groupId, brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
const connected = performance.now();
let count = 0;
let checksum = 0;
let first = 0;
const done = Promise.withResolvers<number>();
const timeout = setTimeout(() => done.resolve(performance.now()), 120_000);
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: 4,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    if (first === 0) first = performance.now();
    for (const record of batch.messages) {
      const message = JSON.parse(record.value === null ? "null" : record.value.toString("utf8")) as { amount?: string } | null;
      checksum += message?.amount?.length ?? 0;
      resolveOffset(record.offset);
      count += 1;
    }
    await heartbeat();
    if (count >= expected) done.resolve(performance.now());
  },
});
const last = await done.promise;
clearTimeout(timeout);
console.log(JSON.stringify({ count, checksum, connectSec: (connected - started) / 1000, firstToLastSec: (last - first) / 1000, totalSec: (last - started) / 1000 }));
await consumer.disconnect().catch(() => {});
process.exit(count >= expected ? 0 : 1);
