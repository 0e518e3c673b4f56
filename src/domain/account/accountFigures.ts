/**
 * The derived figures of the contract, written once:
 *   currentBalance   = eodBalance + intraday total
 *   availableBalance = facilityLimit + currentBalance − holds   (unknown while the limit is)
 * The transition uses `figuresOf` to refuse a change that would leave ±(2^53 − 1); the view, the
 * Postgres row and the snapshot read `accountFiguresOf`, which can trust the state to be in range.
 */
import { addMinor } from "../money.ts";
import type { BalancePoint } from "./balancePoint.ts";

export interface Figures {
  readonly currentMinor: number;
  /** null while the facility limit is unknown. */
  readonly availableMinor: number | null;
}

/** The figures of these parts, or null when one of them would leave the range. */
export function figuresOf(
  eodMinor: number, intradayMinor: number, facilityLimitMinor: number | null, holdsMinor: number,
): Figures | null {
  const currentMinor = addMinor(eodMinor, intradayMinor);
  if (currentMinor === null) return null;
  if (facilityLimitMinor === null) return { currentMinor, availableMinor: null };
  const beforeHoldsMinor = addMinor(facilityLimitMinor, currentMinor);
  const availableMinor = beforeHoldsMinor === null ? null : addMinor(beforeHoldsMinor, -holdsMinor);
  return availableMinor === null ? null : { currentMinor, availableMinor };
}

/** The figures of an account that has an EOD; null while it has none. */
export function accountFiguresOf(state: BalancePoint): Figures | null {
  if (state.eod === null) return null;
  const figures = figuresOf(state.eod.balanceMinor, state.intradayTotalMinor, state.facilityLimitMinor, state.holdsMinor);
  // The transition never applies a change that leaves the range.
  if (figures === null) throw new Error(`invariant: the figures of ${state.accountId} are out of range`);
  return figures;
}
