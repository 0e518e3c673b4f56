/**
 * A bare @platformatic/kafka consumer, run as its own process by the kafka-ingest benchmark beside
 * the bare kafkajs one (kafkaBenchConsumer.ts), on the same topic in the same run: reads it from
 * the beginning in a consumer group, without commits, and only decodes each record (toString +
 * JSON.parse), until `count` records. The floor of a design on this client. Prints the same line:
 * {"count","connectSec","firstToLastSec","totalSec"}.
 *
 *   bun bench/lib/platformaticBenchConsumer.ts TOPIC COUNT GROUP_ID
 */
import { Consumer, MessagesStreamModes } from "@platformatic/kafka";

const [topic, countText, groupId] = process.argv.slice(2);
if (topic === undefined || countText === undefined || groupId === undefined) {
  console.error("usage: platformaticBenchConsumer.ts TOPIC COUNT GROUP_ID");
  process.exit(2);
}
const expected = Number(countText);
const started = performance.now();
const consumer = new Consumer({ groupId, clientId: groupId, bootstrapBrokers: ["127.0.0.1:9092"] });
const stream = await consumer.consume({
  topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 1000,
});
const connected = performance.now();
let count = 0;
let checksum = 0;
let first = 0;
const done = Promise.withResolvers<number>();
const timeout = setTimeout(() => done.resolve(performance.now()), 120_000);
stream.on("data", (record: { value: Buffer | null }) => {
  if (first === 0) first = performance.now();
  const message = JSON.parse(record.value === null ? "null" : record.value.toString("utf8")) as { amount?: string } | null;
  checksum += message?.amount?.length ?? 0;
  count += 1;
  if (count >= expected) done.resolve(performance.now());
});
stream.on("error", (error: unknown) => {
  console.error(String(error));
  done.resolve(performance.now());
});
const last = await done.promise;
clearTimeout(timeout);
console.log(JSON.stringify({ count, checksum, connectSec: (connected - started) / 1000, firstToLastSec: (last - first) / 1000, totalSec: (last - started) / 1000 }));
await consumer.close(true).catch(() => {});
process.exit(count >= expected ? 0 : 1);
