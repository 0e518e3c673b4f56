/**
 * The ledger's decision for a batch of approved transfers (contract section 7, "After the
 * decision"): each is re-checked, then posted as two entries (a debit on the source, a credit on
 * the destination) or failed with a reason. Pure: the worker gives it the ledger accounts it has
 * locked and writes what it returns, all in one database transaction. Accounts are visited in
 * the batch's order, so each entry's `balanceAfter` is the account's balance right after it.
 */
import { minorDigitsOf } from "../currency.ts";
import { addMinor } from "../money.ts";
import { DENY_ABOVE } from "../transfer/riskModel.ts";
import type { TransferStatus } from "../transfer/transfer.ts";

/** What the ledger needs of an approved transfer (the record on financial.transactions.approved). */
export interface ApprovedTransfer {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly status: TransferStatus;
  readonly riskScore: number;
  readonly reference: string | null;
  readonly idempotencyScope: string;
  readonly createdAtMs: number;
}

export interface LedgerAccount {
  readonly id: string;
  readonly currency: string;
  readonly balanceMinor: number;
  readonly version: number;
}

/** Why the ledger refused a transfer for good (a retry would give the same answer). */
export const LEDGER_FAILURES = ["not_approved", "risk_too_high", "same_account", "unknown_currency", "currency_mismatch", "balance_out_of_range"] as const;
export type LedgerFailure = (typeof LEDGER_FAILURES)[number];

export interface LedgerEntry {
  readonly transactionId: string;
  readonly accountId: string;
  readonly direction: "DEBIT" | "CREDIT";
  readonly amountMinor: number;
  readonly balanceAfterMinor: number;
}

export type PostingOutcome =
  | { readonly kind: "posted"; readonly transfer: ApprovedTransfer; readonly entries: readonly [LedgerEntry, LedgerEntry] }
  | { readonly kind: "failed"; readonly transfer: ApprovedTransfer; readonly reason: LedgerFailure };

export interface PostingPlan {
  readonly outcomes: readonly PostingOutcome[];
  /** The accounts whose balance changed, with their new balance and version. */
  readonly changedAccounts: readonly LedgerAccount[];
}

/**
 * `accounts`: every account the transfers name, as locked (absent ones are refused as a currency
 * mismatch: the store creates them first). `alreadyDone`: transfers the ledger has (posted or
 * failed), skipped. A transfer named twice in the batch is planned once.
 */
export function planPostings(transfers: readonly ApprovedTransfer[], accounts: ReadonlyMap<string, LedgerAccount>, alreadyDone: ReadonlySet<string>): PostingPlan {
  const balances = new Map(accounts);
  const changed = new Set<string>();
  const seen = new Set(alreadyDone);
  const outcomes: PostingOutcome[] = [];
  for (const transfer of transfers) {
    if (seen.has(transfer.transferId)) continue;
    seen.add(transfer.transferId);
    const outcome = postingOf(transfer, balances);
    if (outcome.kind === "posted") {
      for (const entry of outcome.entries) {
        const account = balances.get(entry.accountId)!;
        balances.set(entry.accountId, { ...account, balanceMinor: entry.balanceAfterMinor, version: account.version + 1 });
        changed.add(entry.accountId);
      }
    }
    outcomes.push(outcome);
  }
  return { outcomes, changedAccounts: [...changed].sort().map((id) => balances.get(id)!) };
}

/** The re-check (status, score, accounts, range), then the two entries. */
function postingOf(transfer: ApprovedTransfer, balances: ReadonlyMap<string, LedgerAccount>): PostingOutcome {
  const failed = (reason: LedgerFailure): PostingOutcome => ({ kind: "failed", transfer, reason });
  if (transfer.status !== "APPROVED") return failed("not_approved");
  if (!(transfer.riskScore <= DENY_ABOVE)) return failed("risk_too_high");
  if (transfer.fromAccountId === transfer.toAccountId) return failed("same_account");
  if (minorDigitsOf(transfer.currency) === undefined) return failed("unknown_currency");
  const source = balances.get(transfer.fromAccountId);
  const destination = balances.get(transfer.toAccountId);
  if (source?.currency !== transfer.currency || destination?.currency !== transfer.currency) return failed("currency_mismatch");
  const sourceAfter = addMinor(source.balanceMinor, -transfer.amountMinor);
  const destinationAfter = addMinor(destination.balanceMinor, transfer.amountMinor);
  if (sourceAfter === null || destinationAfter === null) return failed("balance_out_of_range");
  const entry = (accountId: string, direction: LedgerEntry["direction"], balanceAfterMinor: number): LedgerEntry =>
    ({ transactionId: transfer.transferId, accountId, direction, amountMinor: transfer.amountMinor, balanceAfterMinor });
  return {
    kind: "posted", transfer,
    entries: [entry(transfer.fromAccountId, "DEBIT", sourceAfter), entry(transfer.toAccountId, "CREDIT", destinationAfter)],
  };
}
