/**
 * The facility lookup: cached answers at once, a missing facility is not found, an unreachable
 * table is retried for a bounded wait, then the EOD goes on with the limit unknown and the
 * facility is handed to the refresher.
 */
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/observability/log.ts";
import { FacilityCache } from "../../src/runtime/facilityCache.ts";
import { FacilityLookup, type FacilityLookupResult } from "../../src/runtime/facilityLookup.ts";
import type { Facility, FacilityStore } from "../../src/runtime/ports.ts";

const USD_456: Facility = { facilityId: "456", limitMinor: 500_000, currency: "USD" };
const quiet = createLogger("error", () => {});

/** A table whose next `failures` reads fail as an outage would. */
function table(rows: Facility[], failures = 0) {
  const reads: string[] = [];
  const store: FacilityStore & { failuresLeft: number } = {
    failuresLeft: failures,
    async get(facilityId) {
      reads.push(facilityId);
      if (store.failuresLeft > 0) {
        store.failuresLeft -= 1;
        throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      }
      return rows.find((row) => row.facilityId === facilityId) ?? null;
    },
    async upsert() {},
  };
  return { store, reads };
}

/** A lookup on a fake clock: each sleep moves the clock on by its length. */
function lookupOver(store: FacilityStore, waitMsMax = 60_000, sleep: (ms: number) => Promise<void> = async () => {}) {
  const counted: FacilityLookupResult[] = [];
  const sleeps: number[] = [];
  const handedOver: string[] = [];
  let nowMs = 0;
  const lookup = new FacilityLookup({
    cache: new FacilityCache(store, 60_000, 100, () => nowMs),
    log: quiet, waitMsMax, now: () => nowMs,
    counted: (result) => counted.push(result),
    unavailable: (facilityId) => handedOver.push(facilityId),
    sleep: (ms) => {
      sleeps.push(ms);
      nowMs += ms;
      return sleep(ms);
    },
  });
  return { lookup, counted, sleeps, handedOver };
}

describe("the facility lookup", () => {
  test("a facility read once is answered from the cache at once, without another read", async () => {
    const { store, reads } = table([USD_456]);
    const { lookup } = lookupOver(store);
    expect(await lookup.limitFor("456", "USD")).toEqual({ kind: "limit", limitMinor: 500_000 });
    expect(lookup.limitFor("456", "USD")).toEqual({ kind: "limit", limitMinor: 500_000 }); // synchronous: no promise
    expect(reads).toEqual(["456"]);
  });

  test("an unknown facility is not found, and counted not_found", async () => {
    const { store } = table([]);
    const { lookup, counted } = lookupOver(store);
    expect(await lookup.limitFor("nope", "USD")).toEqual({ kind: "not_found" });
    expect(counted).toEqual(["not_found"]);
  });

  test("a facility in another currency than the account's counts as not found for it", async () => {
    const { store } = table([USD_456]);
    const { lookup } = lookupOver(store);
    expect(await lookup.limitFor("456", "EUR")).toEqual({ kind: "not_found" });
    expect(await lookup.limitFor("456", "USD")).toEqual({ kind: "limit", limitMinor: 500_000 });
  });

  test("an unreachable table is retried with a growing backoff within the wait, and reported failing meanwhile", async () => {
    const { store, reads } = table([USD_456], 3);
    let wake = () => {};
    const firstSleep = new Promise<void>((resolve) => (wake = resolve));
    const { lookup, counted, sleeps, handedOver } = lookupOver(store, 60_000, (ms) => (ms === 100 ? firstSleep : Promise.resolve()));
    const pending = lookup.limitFor("456", "USD");
    expect(pending).toBeInstanceOf(Promise);
    while (sleeps.length === 0) await Bun.sleep(1);
    expect(lookup.isFailing).toBe(true);
    wake();
    expect(await pending).toEqual({ kind: "limit", limitMinor: 500_000 });
    expect(reads).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(counted).toEqual(["error", "error", "error", "found"]);
    expect(lookup.isFailing).toBe(false);
    expect(handedOver).toEqual([]);
  });

  test("past the wait the answer is unavailable, the facility goes to the refresher, and nothing waits longer", async () => {
    const { store } = table([USD_456], 1_000);
    const { lookup, counted, sleeps, handedOver } = lookupOver(store, 1000);
    expect(await lookup.limitFor("456", "USD")).toEqual({ kind: "unavailable" });
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(1000);
    expect(handedOver).toEqual(["456"]);
    expect(counted.at(-1)).toBe("unavailable");
    expect(lookup.isFailing).toBe(false);
  });

  test("after stop, a lookup that still fails never answers (its EOD is replayed after the restart, not applied without its limit)", async () => {
    const { store } = table([USD_456], 1_000);
    const { lookup, sleeps, handedOver } = lookupOver(store);
    lookup.stop();
    const answer = lookup.limitFor("456", "USD");
    const outcome = await Promise.race([answer.valueOf(), Bun.sleep(50).then(() => "still waiting")]);
    expect(outcome).toBe("still waiting");
    expect(sleeps).toEqual([]);
    expect(handedOver).toEqual([]);
  });
});
