/**
 * Why a balance is what it is (`?explain=true`): the EOD it starts from, each intraday day's
 * total, and each hold, so that
 *   eod.balance + Σ days.total = currentBalance
 *   facilityLimit + currentBalance − Σ holds.amount = availableBalance.
 * Built from the account's own state, the same parts the figures are summed from, and checked
 * against them before it is returned: an explanation that does not add up is a bug, not an answer.
 */
import { Type, type Static } from "@sinclair/typebox";
import { formatInstant } from "../calendar.ts";
import { minorDigitsOf } from "../currency.ts";
import { formatAmount, sumMinor } from "../money.ts";
import type { AccountState } from "./accountState.ts";
import { isOpen } from "../transfer/transfer.ts";
import { AmountSchema, balanceViewOf, BalanceViewSchema, DateSchema, InstantSchema, type BalanceView } from "./balanceView.ts";

export const BalanceExplanationSchema = Type.Object({
  eod: Type.Object({
    balance: AmountSchema, date: DateSchema,
    messageId: Type.String({ description: "The applied EOD message (the latest fix of its day)" }),
    timestamp: Type.String({ description: "When the core system produced it (RFC 3339, UTC)" }),
  }),
  days: Type.Array(Type.Object({ bookingDate: DateSchema, total: AmountSchema }), { description: "Intraday days after the EOD, oldest first" }),
  holds: Type.Array(Type.Object({ transferId: Type.String(), amount: AmountSchema, since: InstantSchema }), {
    description: "Funds reserved by open transfers (APPROVED or PENDING_2FA), oldest first",
  }),
}, { description: "eod.balance + the days' totals = currentBalance; facilityLimit + currentBalance - the holds = availableBalance" });

export type BalanceExplanation = Static<typeof BalanceExplanationSchema>;

/** The balance body with its explanation (`?explain=true`). */
export const ExplainedBalanceSchema = Type.Composite([BalanceViewSchema, Type.Object({ explain: BalanceExplanationSchema })]);
export type ExplainedBalance = BalanceView & { readonly explain: BalanceExplanation };

/** The body and its explanation, from the same state at once; null while the account has no EOD. */
export function explainedBalanceOf(state: AccountState): ExplainedBalance | null {
  const view = balanceViewOf(state);
  const explain = explainBalance(state);
  return view === null || explain === null ? null : { ...view, explain };
}

/** The explanation of an account that has an EOD; null while it has none (the balance's 404). */
export function explainBalance(state: AccountState): BalanceExplanation | null {
  const eod = state.eod;
  if (eod === null || state.currency === null) return null;
  const digits = minorDigitsOf(state.currency)!;
  const days = [...state.buckets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (sumMinor(days.map(([, total]) => total)) !== state.intradayTotalMinor) {
    throw new Error(`invariant: the days of ${state.accountId} do not add up to its intraday total`);
  }
  const holds = [...state.transfers.values()].filter((transfer) => isOpen(transfer.status));
  if (sumMinor(holds.map((transfer) => transfer.amountMinor)) !== state.holdsMinor) {
    throw new Error(`invariant: the open transfers of ${state.accountId} do not add up to its holds`);
  }
  return {
    eod: { balance: formatAmount(eod.balanceMinor, digits), date: eod.date, messageId: eodMessageIdOf(state), timestamp: formatInstant(eod.timestamp) },
    days: days.map(([bookingDate, total]) => ({ bookingDate, total: formatAmount(total, digits) })),
    holds: holds.map((transfer) => ({
      transferId: transfer.transferId, amount: formatAmount(transfer.amountMinor, digits), since: new Date(transfer.createdAtMs).toISOString(),
    })),
  };
}

/**
 * The id of the applied EOD: the dedupe window keeps the ids of the current EOD day's messages in
 * the order they were applied, and only a later one replaces the balance, so it is the last there.
 */
function eodMessageIdOf(state: AccountState): string {
  const found = state.dedupe.lastEodMessageIdOf(state.eod!.date);
  if (found === null) throw new Error(`invariant: ${state.accountId} forgot the id of its applied EOD`);
  return found;
}
