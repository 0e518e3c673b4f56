/**
 * A transfer's status after its decision: confirmed after 2FA, cancelled, expired, posted by the
 * ledger (its debit leg), failed. `statusChangeOf` checks, `applyStatusChange` records (after the
 * caller made the change durable) and releases the hold when the transfer closes. Replaying a
 * change that is already there changes nothing.
 */
import type { AccountState } from "../account/accountState.ts";
import { canChange, isOpen, type Transfer, type TransferStatus } from "./transfer.ts";

export type StatusCheck =
  | { readonly kind: "allowed"; readonly transfer: Transfer }
  | { readonly kind: "not_found" }
  | { readonly kind: "not_allowed"; readonly transfer: Transfer };

export function statusChangeOf(state: AccountState, transferId: string, to: TransferStatus): StatusCheck {
  const transfer = state.transfers.get(transferId);
  if (transfer === undefined) return { kind: "not_found" };
  return canChange(transfer.status, to) ? { kind: "allowed", transfer } : { kind: "not_allowed", transfer };
}

/** Records the change; false when it does not apply (unknown transfer, or already past it). */
export function applyStatusChange(state: AccountState, transferId: string, to: TransferStatus, atMs: number): boolean {
  const transfer = state.transfers.get(transferId);
  if (transfer === undefined || !canChange(transfer.status, to)) return false;
  const released = isOpen(transfer.status) && !isOpen(to);
  transfer.status = to;
  transfer.updatedAtMs = atMs;
  if (released) {
    state.holdsMinor -= transfer.amountMinor;
    state.version += 1;
    state.updatedAtMs = atMs;
  }
  return true;
}
