/**
 * The hot read's kept bodies (src/http/balanceBodies.ts): a body is kept only while every figure
 * it is made of is still the account's. Each field the view reads is changed here alone, the
 * version left as it was, so a cache keyed on the version only would fail.
 */
import { describe, expect, test } from "bun:test";
import type { BalancePoint } from "../../src/domain/account/balancePoint.ts";
import { balanceViewOf } from "../../src/domain/account/balanceView.ts";
import { BalanceBodyCache } from "../../src/http/balanceBodies.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function point(accountId: string): Mutable<BalancePoint> {
  return {
    accountId, currency: "USD", eod: { balanceMinor: 100_000, date: "2026-11-21" }, facilityLimitMinor: 50_000,
    intradayTotalMinor: 1_234, holdsMinor: 0, version: 3, originMs: 1, updatedAtMs: Date.UTC(2026, 10, 22, 9),
  };
}

/** A cache over these live states, and the body the view would give now. */
function cacheOver(...states: BalancePoint[]) {
  const byId = new Map(states.map((state) => [state.accountId, state]));
  const cache = new BalanceBodyCache((accountId) => byId.get(accountId), 2);
  const fresh = (state: BalancePoint) => JSON.stringify(balanceViewOf(state));
  return { cache, fresh };
}

describe("a kept balance body", () => {
  const changes: [string, (state: Mutable<BalancePoint>) => void][] = [
    ["the intraday total", (state) => (state.intradayTotalMinor += 500)],
    ["the holds", (state) => (state.holdsMinor = 2_500)],
    ["the facility limit", (state) => (state.facilityLimitMinor = 75_000)],
    ["the facility limit becoming unknown", (state) => (state.facilityLimitMinor = null)],
    ["the EOD balance", (state) => (state.eod = { balanceMinor: 90_000, date: state.eod!.date })],
    ["the EOD date", (state) => (state.eod = { balanceMinor: state.eod!.balanceMinor, date: "2026-11-22" })],
    ["the currency (its minor digits)", (state) => (state.currency = "JPY")],
    ["the version alone", (state) => (state.version += 1)],
    ["updatedAt alone", (state) => (state.updatedAtMs += 1)],
  ];
  for (const [what, change] of changes) {
    test(`is read anew at once after a change of ${what}, the version untouched`, async () => {
      const state = point("A1");
      const { cache, fresh } = cacheOver(state);
      const before = cache.bodyOf("A1");
      expect(await before!.text()).toBe(fresh(state));
      expect(cache.bodyOf("A1")).toBe(before);
      change(state);
      const after = cache.bodyOf("A1");
      expect(await after!.text()).toBe(fresh(state));
      expect(after).not.toBe(before);
    });
  }

  test("is null for an account not held here, and for one without an EOD", () => {
    const noEod = { ...point("A2"), eod: null };
    const { cache } = cacheOver(noEod);
    expect(cache.bodyOf("A1")).toBeNull();
    expect(cache.bodyOf("A2")).toBeNull();
    expect(cache.size).toBe(0);
  });

  test("is bounded: past its size the oldest entry makes room, and every read still has its account's body", async () => {
    const states = ["A1", "A2", "A3"].map(point);
    states.forEach((state, n) => (state.intradayTotalMinor = n));
    const { cache, fresh } = cacheOver(...states);
    for (const state of [...states, ...states]) expect(await cache.bodyOf(state.accountId)!.text()).toBe(fresh(state));
    expect(cache.size).toBe(2);
  });

  test("is typed application/json, the content type of the answer made from it", () => {
    const { cache } = cacheOver(point("A1"));
    expect(new Response(cache.bodyOf("A1")).headers.get("content-type")).toBe("application/json;charset=utf-8");
  });
});
