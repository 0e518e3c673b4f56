/**
 * A facility limit changed during the day (`PUT /v1/admin/facilities/:id`, or a limit the table
 * could not give at the EOD and gives now): every account that uses the facility takes the new
 * limit at once. A null limit makes it unknown (the facility moved to another currency than the
 * account's). Same conventions as `applyMessage`.
 */
import type { AccountState } from "./accountState.ts";
import { figuresOf } from "./accountFigures.ts";

export type FacilityChangeOutcome = "applied" | "not_using_facility" | "unchanged" | "out_of_range";

export function applyFacilityLimit(
  state: AccountState, facilityId: string, limitMinor: number | null, nowMs: number,
): FacilityChangeOutcome {
  if (state.eod === null || state.eod.facilityId !== facilityId) return "not_using_facility";
  if (state.facilityLimitMinor === limitMinor) return "unchanged";
  if (figuresOf(state.eod.balanceMinor, state.intradayTotalMinor, limitMinor, state.holdsMinor) === null) {
    return "out_of_range";
  }
  state.facilityLimitMinor = limitMinor;
  state.version += 1;
  state.updatedAtMs = nowMs;
  return "applied";
}
