/**
 * Heap per account as bench rest-read holds it, measured apart: 100k accounts with an EOD and two
 * transactions each, then a kept balance body for each (BalanceBodyCache). `bun bench/lib/readBodyHeap.ts`
 */
import { heapStats } from "bun:jsc";
import type { AccountState } from "../../src/domain/account/accountState.ts";
import { BalanceBodyCache } from "../../src/http/balanceBodies.ts";
import { heldAccount } from "./heldAccount.ts";
const N = 100_000;
const states = new Map<string, AccountState>();
const heap = () => { Bun.gc(true); return heapStats().heapSize; };
const h0 = heap();
for (let a = 0; a < N; a++) {
  const id = `ACC${String(a).padStart(7, "0")}`;
  states.set(id, heldAccount(id, a, 2));
}
const h1 = heap();
const cache = new BalanceBodyCache((id) => states.get(id));
for (const id of states.keys()) if (cache.bodyOf(id) === null) throw new Error("no body");
const h2 = heap();
console.log(`states: ${((h1 - h0) / N).toFixed(0)} B per account; kept bodies: ${((h2 - h1) / N).toFixed(0)} B per account (${cache.size} kept)`);
