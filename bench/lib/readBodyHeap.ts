/**
 * Heap per account as bench rest-read holds it, measured apart: 100k accounts with an EOD and two
 * transactions each, then a kept balance body for each (BalanceBodyCache). `bun bench/lib/readBodyHeap.ts`
 */
import { heapStats } from "bun:jsc";
import { newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { validateText } from "../../src/domain/account/validateMessage.ts";
import { BalanceBodyCache } from "../../src/http/balanceBodies.ts";
const N = 100_000;
const thresholds = alertThresholdsFor("10000.00")!;
const states = new Map<string, AccountState>();
const heap = () => { Bun.gc(true); return heapStats().heapSize; };
const h0 = heap();
for (let a = 0; a < N; a++) {
  const id = `ACC${String(a).padStart(7, "0")}`;
  const state = newAccountState(id);
  const eod = validateText(JSON.stringify({ type: "EOD_BALANCE", messageId: `e-${a}`, accountId: id, facilityId: "F1", balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z" }));
  if (!eod.ok) throw new Error("eod");
  applyMessage(state, eod.message, { nowMs: 0, alertThresholds: thresholds, facilityLimitMinor: 500_000 });
  for (let t = 0; t < 2; t++) {
    const txn = validateText(JSON.stringify({ type: "TRANSACTION", messageId: `m-${a}-${t}`, accountId: id, eventType: "TRANSACTION_CREATED", transactionId: `t-${a}-${t}`, amount: "12.34", currency: "USD", bookingDate: "2026-11-22", timestamp: "2026-11-22T09:30:00Z" }));
    if (!txn.ok) throw new Error("txn");
    applyMessage(state, txn.message, { nowMs: 1, alertThresholds: thresholds });
  }
  states.set(id, state);
}
const h1 = heap();
const cache = new BalanceBodyCache((id) => states.get(id));
for (const id of states.keys()) if (cache.bodyOf(id) === null) throw new Error("no body");
const h2 = heap();
console.log(`states: ${((h1 - h0) / N).toFixed(0)} B per account; kept bodies: ${((h2 - h1) / N).toFixed(0)} B per account (${cache.size} kept)`);
