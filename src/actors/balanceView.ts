/** The balance body of the contract (REST response and WebSocket `balance` message). */
import type { AccountState } from "./accountState.ts";
import { minorDigitsOf } from "./currency.ts";
import { formatAmount } from "./money.ts";

export interface BalanceView {
  accountId: string;
  currency: string;
  eodBalance: string;
  eodDate: string;
  intradayTotal: string;
  currentBalance: string;
  facilityLimit: string | null;
  facilityLimitKnown: boolean;
  holds: string;
  availableBalance: string | null;
  version: number;
  updatedAt: string;
}

/** The account's figures, or null while it has no EOD (the contract's 404). */
export function balanceViewOf(state: AccountState): BalanceView | null {
  const eod = state.eod;
  if (eod === null || state.currency === null) return null;
  const digits = minorDigitsOf(state.currency)!;
  // Sums cannot overflow: the transition keeps every figure within ±(2^53 − 1).
  const currentMinor = eod.balanceMinor + state.intradayTotalMinor;
  const limitMinor = state.facilityLimitMinor;
  return {
    accountId: state.accountId,
    currency: state.currency,
    eodBalance: formatAmount(eod.balanceMinor, digits),
    eodDate: eod.date,
    intradayTotal: formatAmount(state.intradayTotalMinor, digits),
    currentBalance: formatAmount(currentMinor, digits),
    facilityLimit: limitMinor === null ? null : formatAmount(limitMinor, digits),
    facilityLimitKnown: limitMinor !== null,
    holds: formatAmount(state.holdsMinor, digits),
    availableBalance: limitMinor === null ? null : formatAmount(limitMinor + currentMinor - state.holdsMinor, digits),
    version: state.version,
    updatedAt: new Date(state.updatedAtMs).toISOString(),
  };
}
