/**
 * Rule 1: "The engine never crashes on any input", for the whole ingest path, not only the
 * validator: Ingest.ingest with any JSON value (the HTTP path) or any text (the Kafka
 * path), through the shards, the facility lookup and the transition, with the effects carried
 * out. Each message gets exactly one contract outcome, nothing is dropped silently, and every
 * account stays within its invariants. The facility table here is an in-process map: this is a
 * test of the engine's logic, not of a store (the HTTP fuzz in test/http/events.test.ts runs the
 * real engine).
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { assertAccountState } from "../../src/domain/account/accountState.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { INVALID_REASONS, OUTCOMES } from "../../src/domain/reasons.ts";
import { createEngineCore } from "../../src/apps/engine/engineCore.ts";
import type { Inbound, MessageResult } from "../../src/runtime/inbound.ts";
import type { DeadLetter } from "../../src/runtime/deadLetter.ts";
import type { Facility, FacilityStore } from "../../src/runtime/ports.ts";
import { createLogger } from "../../src/observability/log.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { arbitraryText, arbitraryValue } from "../support/arbitraryMessages.ts";
import { METRIC_PREFIX, parseMetrics } from "../support/metrics.ts";
import { assertAsyncProperty } from "../support/seed.ts";

const SHARDS = 12;
const DEAD_LETTER_REASONS: readonly string[] = [...INVALID_REASONS, "before_eod"];

/** datasource.facility as a map; lookups answer asynchronously, as a database does. */
class FacilityTable implements FacilityStore {
  private readonly rows = new Map<string, Facility>([
    ["F-known", { facilityId: "F-known", limitMinor: 500_000, currency: "USD" }],
    ["F-huge", { facilityId: "F-huge", limitMinor: 5_404_319_552_844_595, currency: "EUR" }],
    ["F-max", { facilityId: "F-max", limitMinor: Number.MAX_SAFE_INTEGER, currency: "JPY" }],
  ]);
  async get(facilityId: string): Promise<Facility | null> {
    await Promise.resolve();
    return this.rows.get(facilityId) ?? null;
  }
  async upsert(facility: Facility): Promise<void> {
    this.rows.set(facility.facilityId, facility);
  }
}

function newEngine() {
  const deadLetters: DeadLetter[] = [];
  let processed = 0;
  const metrics = createMetrics();
  const core = createEngineCore({
    shardCount: SHARDS,
    alertThresholds: alertThresholdsFor("10000.00")!,
    facilityCacheTtlMs: 60_000,
    facilityCacheEntriesMax: 100,
    facilityLookupWaitMs: 5000,
    facilityStore: new FacilityTable(),
    outputs: {
      balanceChanged: () => {},
      alertRaised: () => {},
      deadLettered: (letter) => void deadLetters.push(letter),
      messageProcessed: () => void (processed += 1),
    },
    metrics,
    log: createLogger("error", () => {}),
  });
  return { engine: core.ingest, runtime: core.runtime, balances: core.balances, metrics, deadLetters, processed: () => processed };
}

const inbound: fc.Arbitrary<Inbound> = fc.oneof(
  arbitraryValue.map((value): Inbound => ({ value, source: { kind: "http" } })),
  fc.tuple(arbitraryText, fc.nat(SHARDS - 1), fc.nat(1_000_000)).map(([text, partition, offset]): Inbound => ({
    text, shard: partition, source: { kind: "kafka", topic: "bank.transactions", partition, offset: String(offset) },
  })),
);

function checkResult(result: MessageResult): void {
  expect(OUTCOMES).toContain(result.outcome);
  if (result.outcome === "dead_lettered") expect(DEAD_LETTER_REASONS).toContain(result.reason!);
  else expect(result.reason).toBeUndefined();
  if (result.warning !== undefined) expect({ outcome: result.outcome, warning: result.warning }).toEqual({ outcome: "applied", warning: "facility_not_found" });
}

test("the engine never crashes on any input: any JSON value or text through ingest gets one outcome, and every account keeps its invariants", async () => {
  await assertAsyncProperty(
    fc.asyncProperty(fc.array(inbound, { minLength: 1, maxLength: 40, size: "max" }), async (inputs) => {
      const { engine, runtime, balances, metrics, deadLetters, processed } = newEngine();
      // All at once, as the Kafka source does: an account's later messages wait in its mailbox
      // behind a facility lookup. A throw or a rejection fails the property.
      const results = await engine.ingestAll(inputs);
      expect(results).toHaveLength(inputs.length);
      results.forEach(checkResult);

      // Nothing is dropped silently: each message is counted once, each dead letter and each
      // facility_not_found copy reaches the DLQ output.
      expect(processed()).toBe(inputs.length);
      const series = parseMetrics(await metrics.registry.metrics());
      const total = (name: string) => series.filter((s) => s.name === METRIC_PREFIX + name).reduce((sum, s) => sum + s.value, 0);
      expect(total("messages_total")).toBe(inputs.length);
      const copies = results.filter((r) => r.outcome === "dead_lettered" || r.warning === "facility_not_found").length;
      expect(deadLetters).toHaveLength(copies);
      expect(total("dlq_total")).toBe(copies);

      for (let shard = 0; shard < SHARDS; shard++) {
        for (const [accountId, state] of runtime.statesOf(shard)) {
          assertAccountState(state);
          balances.balanceOf(accountId); // formats every figure: throws on one beyond ±(2^53 − 1)
        }
      }
    }),
    { numRuns: 300 },
  );
});
