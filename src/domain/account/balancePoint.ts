/**
 * An account's figures at one point: what the balance body is built from. The live state is one
 * (an AccountState fits this shape as it is, so reads copy nothing); the copy taken right after
 * each applied change is another, which the event log keeps so that `?asOf=` can answer with the
 * body the engine pushed then.
 */
import type { AccountState } from "./accountState.ts";

export interface BalancePoint {
  readonly accountId: string;
  readonly currency: string | null;
  /** null until the account's first EOD (the balance reads 404 then). */
  readonly eod: { readonly balanceMinor: number; readonly date: string } | null;
  /** null while the facility is unknown. */
  readonly facilityLimitMinor: number | null;
  readonly intradayTotalMinor: number;
  readonly holdsMinor: number;
  readonly version: number;
  /** The state's origin: points of one account are ordered by (originMs, version). */
  readonly originMs: number;
  readonly updatedAtMs: number;
}

/** A copy of the state's figures now (the state changes in place afterwards). */
export function balancePointOf(state: AccountState): BalancePoint {
  return {
    accountId: state.accountId,
    currency: state.currency,
    eod: state.eod === null ? null : { balanceMinor: state.eod.balanceMinor, date: state.eod.date },
    facilityLimitMinor: state.facilityLimitMinor,
    intradayTotalMinor: state.intradayTotalMinor,
    holdsMinor: state.holdsMinor,
    version: state.version,
    originMs: state.originMs,
    updatedAtMs: state.updatedAtMs,
  };
}
