/**
 * One account as the read benchmarks hold it: its EOD (balance 1000.00, facility F1 with a limit
 * of 5000.00) and `transactions` transactions of 12.34, applied straight to its state. Used by
 * readBodyHeap, readPathCold and readRouteAlone.
 */
import { newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import { validateText } from "../../src/domain/account/validateMessage.ts";

const thresholds = alertThresholdsFor("10000.00")!;

/** `accountId` is kept as given: pass `ownedString(id)` to hold it as the engine does. */
export function heldAccount(accountId: string, n: number, transactions: number): AccountState {
  const state = newAccountState(accountId);
  const eod = validateText(JSON.stringify({ type: "EOD_BALANCE", messageId: `e-${n}`, accountId, facilityId: "F1", balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z" }));
  if (!eod.ok) throw new Error("eod invalid");
  applyMessage(state, eod.message, { nowMs: 0, alertThresholds: thresholds, facilityLimitMinor: 500_000 });
  for (let t = 0; t < transactions; t++) {
    const transaction = validateText(JSON.stringify({ type: "TRANSACTION", messageId: `m-${n}-${t}`, accountId, eventType: "TRANSACTION_CREATED", transactionId: `t-${n}-${t}`, amount: "12.34", currency: "USD", bookingDate: "2026-11-22", timestamp: "2026-11-22T09:30:00Z" }));
    if (!transaction.ok) throw new Error("transaction invalid");
    applyMessage(state, transaction.message, { nowMs: 1, alertThresholds: thresholds });
  }
  return state;
}
