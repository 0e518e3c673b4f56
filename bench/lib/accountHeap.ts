/**
 * Heap and RSS per new account state with its EOD applied (200k accounts), measured apart:
 * `bun bench/lib/accountHeap.ts`. Used for what an account holds before any traffic.
 */
import { heapStats } from "bun:jsc";
import { newAccountState } from "../../src/domain/account/accountState.ts";
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { validateText } from "../../src/domain/account/validateMessage.ts";
const thresholds = alertThresholdsFor("10000.00")!;
const keep: unknown[] = [];
Bun.gc(true);
const h0 = heapStats().heapSize;
const r0 = process.memoryUsage().rss;
for (let a = 0; a < 200_000; a++) {
  const eod = validateText(JSON.stringify({ type: "EOD_BALANCE", messageId: `e-${a}`, accountId: `A${a}`, facilityId: "F1", balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z" }));
  if (!eod.ok) throw new Error("invalid");
  const state = newAccountState(`A${a}`);
  applyMessage(state, eod.message, { nowMs: 0, alertThresholds: thresholds, facilityLimitMinor: 500_000 });
  keep.push(state);
}
Bun.gc(true);
console.log(`${((heapStats().heapSize - h0) / 200_000).toFixed(0)} B of heap, ${((process.memoryUsage().rss - r0) / 200_000).toFixed(0)} B of RSS per account (${keep.length} kept)`);
