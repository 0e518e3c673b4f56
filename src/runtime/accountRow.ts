/** An account's row for `datalake.account`: its figures in minor units, as the copy stores them. */
import { accountFiguresOf } from "../domain/account/accountFigures.ts";
import type { AccountState } from "../domain/account/accountState.ts";
import type { AccountRow } from "./ports.ts";

/** The row of an account that has an EOD, or null. */
export function accountRowOf(state: AccountState): AccountRow | null {
  const figures = accountFiguresOf(state);
  if (state.eod === null || figures === null || state.currency === null) return null;
  return {
    accountId: state.accountId,
    balanceMinor: figures.currentMinor,
    availableMinor: figures.availableMinor,
    currency: state.currency,
    eodDate: state.eod.date,
    version: state.version,
    originMs: state.originMs,
    updatedAtMs: state.updatedAtMs,
  };
}
