/**
 * Dormant accounts: at recovery most accounts are kept as the text their snapshot holds and are
 * decoded at their first message or read ("woken"). A decoded account costs about 2.2 KB of heap
 * (its Maps, its dedupe window's table, its objects), its text about 400 bytes; decoding 1M of
 * them took most of a restart's time (bench/README.md, recovery). A dormant account has not
 * changed since its snapshot, so its text is also what the next snapshot would write.
 *
 * An account stays dormant only when nothing has to look at it at recovery: it holds no
 * transfer (recovery indexes them and arms their 2FA deadlines, and `holds_active` counts them
 * among the woken accounts only), and its facility limit is not missing (recovery asks the
 * refresher for those). The codec writes this rule's answer into the value's header.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import type { AccountRow } from "./ports.ts";

export function staysDormant(state: AccountState): boolean {
  return state.transfers.size === 0 && !(state.eod !== null && state.facilityLimitMinor === null);
}

/** How the runtime reads a dormant account's text; the snapshot codec implements it. */
export interface DormantAccountCodec {
  /** The account, checked as at any load; throws when the text is not one. */
  decode(encoded: string): AccountState;
  /** Whether the account's EOD uses `facilityId`, without decoding it. */
  usesFacility(encoded: string, facilityId: string): boolean;
  /** The account's row for the Postgres copy (null without an EOD), without building the account; throws when the text is not one. */
  rowOf(accountId: string, encoded: string): AccountRow | null;
}
