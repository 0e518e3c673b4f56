/** The batch hand-over with fakes: inside the engine's batch scope, once per batch, offsets unchanged. */
import { describe, expect, test } from "bun:test";
import { BatchApplier, type BatchScope } from "../../src/adapters/kafka/batchApplier.ts";
import { OwnedShards } from "../../src/adapters/kafka/ownedShards.ts";
import type { Inbound } from "../../src/runtime/inbound.ts";
import type { ShardHost } from "../../src/runtime/ports.ts";
import { createLogger } from "../../src/observability/log.ts";

const host: ShardHost = { statesOf: () => new Map(), dormantOf: () => new Map(), load() {}, drop() {}, queuedIn: () => 0 };

function applier(batchScope?: BatchScope) {
  const owned = new OwnedShards(host);
  owned.own(0, 1, { tx: "10" });
  const events: string[] = [];
  const ingest = {
    ingest(inbound: Inbound) {
      events.push(`ingest ${inbound.text}`);
      return { outcome: "applied" as const };
    },
    ingestAll: () => [],
    queuedTotal: () => 0,
  };
  const batches = new BatchApplier({
    owned, ingest, host, journalTopic: "journal", journal: { replay() {} }, backpressure() {}, log: createLogger("error", () => {}), batchScope,
  });
  return { batches, owned, events };
}

const batch = { topic: "tx", partition: 0, records: [{ offset: "10", value: Buffer.from("a") }, { offset: "11", value: Buffer.from("b") }] };

describe("BatchApplier", () => {
  test("a batch's records are handed over inside one run of the batch scope", () => {
    const events: string[] = [];
    const { batches, events: ingested } = applier((run) => {
      events.push("scope start");
      const result = run();
      events.push(`scope end after ${ingested.length} records`);
      return result;
    });
    batches.apply(batch, () => true, () => {});
    expect(events).toEqual(["scope start", "scope end after 2 records"]);
  });

  test("inside the scope the next offset and the last record handed over are what they are without it", () => {
    const resolved: string[] = [];
    const { batches, owned } = applier((run) => run());
    batches.apply(batch, () => true, (offset) => resolved.push(offset));
    expect(resolved).toEqual(["11"]);
    expect(owned.get(0)!.nextOffsets.tx).toBe("12");
  });
});
