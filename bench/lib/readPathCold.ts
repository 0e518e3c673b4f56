/**
 * The hot read's own work in one process, without HTTP, by the number of accounts held: the
 * kept body's lookup (`BalanceBodyCache.bodyOf`: the account's state, then its kept body), and
 * the same with the `Response` made from it, for a random account per read (ids made fresh, as a
 * request's are). 1,000 accounts stay in the caches; 100,000 do not.
 * `bun bench/lib/readPathCold.ts`
 */
import type { AccountState } from "../../src/domain/account/accountState.ts";
import { ownedString } from "../../src/domain/ownedString.ts";
import { BalanceBodyCache } from "../../src/http/balanceBodies.ts";
import { heldAccount } from "./heldAccount.ts";

const READS = 2_000_000;
const idOf = (n: number) => `ACC${String(n).padStart(7, "0")}`;

/** `count` accounts as rest-read loads them (an EOD, two transactions), each body kept once. */
function accounts(count: number): BalanceBodyCache {
  const states = new Map<string, AccountState>();
  for (let n = 0; n < count; n++) {
    const state = heldAccount(ownedString(idOf(n)), n, 2);
    states.set(state.accountId, state);
  }
  const cache = new BalanceBodyCache((accountId) => states.get(accountId));
  for (const accountId of states.keys()) if (cache.bodyOf(accountId) === null) throw new Error("no body");
  return cache;
}

for (const count of [1_000, 100_000, 1_000, 100_000]) {
  const cache = accounts(count);
  // A request's id is a string of its own, not the one the maps hold.
  const ids = Array.from({ length: 200_000 }, () => `/${idOf(Math.floor(Math.random() * count))}`.slice(1));
  Bun.gc(true);
  let answered = 0;
  let started = performance.now();
  for (let i = 0; i < READS; i++) if (cache.bodyOf(ids[i % ids.length]!) !== null) answered++;
  const lookupNs = ((performance.now() - started) * 1e6) / READS;
  started = performance.now();
  for (let i = 0; i < READS; i++) {
    const body = cache.bodyOf(ids[i % ids.length]!);
    if (body !== null && new Response(body).status === 200) answered++;
  }
  const responseNs = ((performance.now() - started) * 1e6) / READS;
  if (answered !== 2 * READS) throw new Error("a read found no body");
  console.log(`${count} accounts: bodyOf ${lookupNs.toFixed(0)} ns, with its Response ${responseNs.toFixed(0)} ns per read`);
}
