/**
 * What the bare client consumers of kafka-ingest share (kafkaBenchConsumer.ts,
 * platformaticBenchConsumer.ts): their arguments, the decode each record gets (toString +
 * JSON.parse, the floor of any design), the count, and the one JSON line they print:
 * {"count","checksum","connectSec","firstToLastSec","totalSec"}.
 */
export interface BareConsumerRun {
  readonly topic: string;
  readonly groupId: string;
  /** Decodes one record's value and counts it; resolves `done` at the expected count. */
  decode(value: Buffer | null): void;
  readonly done: Promise<number>;
  /** The client joined and subscribed. */
  connected(): void;
  /** Prints the line and exits (1 if fewer records than expected came). */
  finish(close: () => Promise<unknown>): Promise<never>;
}

/** Records expected by this time, or the run reports what it had. */
const RUN_TIMEOUT_MS = 120_000;

export function bareConsumerRun(script: string): BareConsumerRun {
  const [topic, countText, groupId] = process.argv.slice(2);
  if (topic === undefined || countText === undefined || groupId === undefined) {
    console.error(`usage: ${script} TOPIC COUNT GROUP_ID`);
    process.exit(2);
  }
  const expected = Number(countText);
  const started = performance.now();
  let connectedAt = started;
  let count = 0;
  let checksum = 0;
  let first = 0;
  const done = Promise.withResolvers<number>();
  const timeout = setTimeout(() => done.resolve(performance.now()), RUN_TIMEOUT_MS);
  return {
    topic, groupId, done: done.promise,
    connected: () => void (connectedAt = performance.now()),
    decode(value) {
      if (first === 0) first = performance.now();
      const message = JSON.parse(value === null ? "null" : value.toString("utf8")) as { amount?: string } | null;
      checksum += message?.amount?.length ?? 0;
      count += 1;
      if (count >= expected) done.resolve(performance.now());
    },
    async finish(close) {
      const last = await done.promise;
      clearTimeout(timeout);
      console.log(JSON.stringify({ count, checksum, connectSec: (connectedAt - started) / 1000, firstToLastSec: (last - first) / 1000, totalSec: (last - started) / 1000 }));
      await close().catch(() => {});
      process.exit(count >= expected ? 0 : 1);
    },
  };
}
