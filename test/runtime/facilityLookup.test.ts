/** The facility lookup: cached answers at once, a missing facility is null, an unreachable table is retried. */
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/observability/log.ts";
import { FacilityCache } from "../../src/runtime/facilityCache.ts";
import { FacilityLookup, type FacilityLookupResult } from "../../src/runtime/facilityLookup.ts";
import type { Facility, FacilityStore } from "../../src/runtime/ports.ts";

const USD_456: Facility = { facilityId: "456", limitMinor: 500_000, currency: "USD" };

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

function lookupOver(store: FacilityStore, sleep: (ms: number) => Promise<void> = async () => {}) {
  const counted: FacilityLookupResult[] = [];
  const sleeps: number[] = [];
  const lookup = new FacilityLookup({
    cache: new FacilityCache(store, 60_000, 100, () => 0),
    log: createLogger("error", () => {}),
    counted: (result) => counted.push(result),
    sleep: (ms) => {
      sleeps.push(ms);
      return sleep(ms);
    },
  });
  return { lookup, counted, sleeps };
}

describe("the facility lookup", () => {
  test("a facility read once is answered from the cache at once, without another read", async () => {
    const { store, reads } = table([USD_456]);
    const { lookup } = lookupOver(store);
    expect(await lookup.limitFor("456", "USD")).toBe(500_000);
    expect(lookup.limitFor("456", "USD")).toBe(500_000); // synchronous: no promise
    expect(reads).toEqual(["456"]);
  });

  test("an unknown facility is null, and counted not_found", async () => {
    const { store } = table([]);
    const { lookup, counted } = lookupOver(store);
    expect(await lookup.limitFor("nope", "USD")).toBeNull();
    expect(counted).toEqual(["not_found"]);
  });

  test("a facility in another currency than the account's counts as not found for it", async () => {
    const { store } = table([USD_456]);
    const { lookup } = lookupOver(store);
    expect(await lookup.limitFor("456", "EUR")).toBeNull();
    expect(await lookup.limitFor("456", "USD")).toBe(500_000);
  });

  test("an unreachable table is retried with a growing backoff until it answers, and reported failing meanwhile", async () => {
    const { store, reads } = table([USD_456], 3);
    let wake = () => {};
    const firstSleep = new Promise<void>((resolve) => (wake = resolve));
    const { lookup, counted, sleeps } = lookupOver(store, (ms) => (ms === 100 ? firstSleep : Promise.resolve()));
    const pending = lookup.limitFor("456", "USD");
    expect(pending).toBeInstanceOf(Promise);
    while (sleeps.length === 0) await Bun.sleep(1);
    expect(lookup.isFailing).toBe(true);
    wake();
    expect(await pending).toBe(500_000);
    expect(reads).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(counted).toEqual(["error", "error", "error", "found"]);
    expect(lookup.isFailing).toBe(false);
  });

  test("after stop, a lookup that still fails rejects instead of retrying forever", async () => {
    const { store } = table([USD_456], 1_000);
    const { lookup } = lookupOver(store);
    lookup.stop();
    await expect(lookup.limitFor("456", "USD")).rejects.toThrow(/before the engine stopped/);
    expect(lookup.isFailing).toBe(false);
  });
});
