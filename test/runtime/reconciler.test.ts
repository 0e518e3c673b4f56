/**
 * The reconciler's scan over the accounts held: it compares what is settled, and it never holds
 * the engine's one thread for the whole scan (the Postgres-backed pass is in
 * test/postgres/reconciliation.test.ts).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { createLogger } from "../../src/observability/log.ts";
import type { AccountRow } from "../../src/runtime/ports.ts";
import { Reconciler } from "../../src/runtime/reconciler.ts";
import { SCAN_SLICE } from "../../src/runtime/scanTurns.ts";

const NOW_MS = 10_000_000;
const SYNC_MAX_DELAY_MS = 1000;
const ACCOUNTS = 10 * SCAN_SLICE;

const rowOf = (n: number, updatedAtMs: number): AccountRow => ({
  accountId: `A${n}`, balanceMinor: 100 * n, availableMinor: 100 * n, currency: "USD", eodDate: "2026-11-21", version: 1, originMs: 0, updatedAtMs,
});

/** Turns of the event loop counted since the running test's `startTicking`. */
let turns = 0;
let stopTicking = () => {};
afterEach(() => stopTicking());

function startTicking(): void {
  turns = 0;
  let on = true;
  const tick = () => {
    if (!on) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  stopTicking = () => (on = false);
}

/** Yields `items`, noting the most turns the event loop had made when each was asked for. */
function* watched<T>(items: readonly T[], seen: { turns: number }): Generator<T> {
  for (const item of items) {
    seen.turns = turns;
    yield item;
  }
}

function reconciler(rows: () => Iterable<AccountRow>, copies: Map<string, AccountRow>, accounts: () => Iterable<[number, AccountState]> = () => []) {
  return new Reconciler({
    rows, accountsWithTransfers: accounts, isAt: () => true,
    copy: { readMany: async (ids) => ({ ok: true, rows: ids.flatMap((id) => copies.get(id) ?? []) }) },
    syncMaxDelayMs: SYNC_MAX_DELAY_MS, intervalMs: 60_000, log: createLogger("error"), now: () => NOW_MS,
    ledger: { readMany: async () => ({ ok: true, transactions: new Map() }) },
  });
}

describe("the reconciler's scan", () => {
  test("the event loop turns while the accounts are scanned, none of them settled", async () => {
    startTicking();
    const seen = { turns: 0 };
    const rows = Array.from({ length: ACCOUNTS }, (_, n) => rowOf(n, NOW_MS)); // just changed: none settled
    const report = await reconciler(() => watched(rows, seen), new Map()).runOnce();
    expect(report.accountsChecked).toBe(0);
    expect(seen.turns).toBeGreaterThanOrEqual(ACCOUNTS / SCAN_SLICE - 1);
  });

  test("the event loop turns while the ledger part scans the accounts", async () => {
    startTicking();
    const seen = { turns: 0 };
    const accounts: [number, AccountState][] = Array.from({ length: ACCOUNTS }, (_, n) => [0, newAccountState(`A${n}`)]);
    let turnsBeforeLedger = 0;
    const report = await reconciler(() => {
      turnsBeforeLedger = turns;
      return [];
    }, new Map(), () => watched(accounts, seen)).runOnce();
    expect(report.ledger).toMatchObject({ transfersChecked: 0, driftTransfers: 0 });
    expect(seen.turns - turnsBeforeLedger).toBeGreaterThanOrEqual(ACCOUNTS / SCAN_SLICE - 1);
  });

  test("every settled account is compared with its copy, across the scan's turns, and a drift is reported", async () => {
    const settledMs = NOW_MS - SYNC_MAX_DELAY_MS - 5000;
    const rows = Array.from({ length: ACCOUNTS }, (_, n) => rowOf(n, n % 2 === 0 ? settledMs : NOW_MS));
    const copies = new Map(rows.map((row) => [row.accountId, row]));
    copies.set("A42", { ...rows[42]!, balanceMinor: rows[42]!.balanceMinor + 7 });
    const report = await reconciler(() => rows, copies).runOnce();
    expect(report.accountsChecked).toBe(ACCOUNTS / 2);
    expect(report.driftAccounts).toBe(1);
    expect(report.drifts).toEqual([{ engine: rows[42]!, copy: copies.get("A42")! }]);
  });
});
