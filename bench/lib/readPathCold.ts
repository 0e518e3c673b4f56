/**
 * The hot read's own work in one process, without HTTP, by the number of accounts held: the
 * kept body's lookup (`BalanceBodyCache.bodyOf`: the account's state, then its kept body), and
 * the same with the `Response` made from it, for a random account per read (ids made fresh, as a
 * request's are). 1,000 accounts stay in the caches; 100,000 do not.
 * `bun bench/lib/readPathCold.ts`
 */
import { newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { validateText } from "../../src/domain/account/validateMessage.ts";
import { ownedString } from "../../src/domain/ownedString.ts";
import { BalanceBodyCache } from "../../src/http/balanceBodies.ts";

const READS = 2_000_000;
const thresholds = alertThresholdsFor("10000.00")!;
const idOf = (n: number) => `ACC${String(n).padStart(7, "0")}`;

/** `count` accounts as rest-read loads them (an EOD, two transactions), each body kept once. */
function accounts(count: number): BalanceBodyCache {
  const states = new Map<string, AccountState>();
  for (let n = 0; n < count; n++) {
    const state = newAccountState(ownedString(idOf(n)));
    const eod = validateText(JSON.stringify({ type: "EOD_BALANCE", messageId: `e-${n}`, accountId: idOf(n), facilityId: "F1", balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z" }));
    if (!eod.ok) throw new Error("eod invalid");
    applyMessage(state, eod.message, { nowMs: 0, alertThresholds: thresholds, facilityLimitMinor: 500_000 });
    for (let t = 0; t < 2; t++) {
      const transaction = validateText(JSON.stringify({ type: "TRANSACTION", messageId: `m-${n}-${t}`, accountId: idOf(n), eventType: "TRANSACTION_CREATED", transactionId: `t-${n}-${t}`, amount: "12.34", currency: "USD", bookingDate: "2026-11-22", timestamp: "2026-11-22T09:30:00Z" }));
      if (!transaction.ok) throw new Error("transaction invalid");
      applyMessage(state, transaction.message, { nowMs: 1, alertThresholds: thresholds });
    }
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
