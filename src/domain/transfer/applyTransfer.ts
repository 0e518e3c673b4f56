/**
 * Records a decided transfer in its source account: the transfer, its idempotency key, its hold
 * when it is open, and its place in the risk history. Idempotent by transferId, so the journal
 * can be replayed over a snapshot that already has it. A change of the account's figures (a hold)
 * is a new version.
 */
import { NO_TRANSFERS, type AccountState } from "../account/accountState.ts";
import { TRANSFERS_KEPT_MAX } from "./authorizeTransfer.ts";
import { newRiskHistory, recordTransfer } from "./riskHistory.ts";
import { isOpen, type Transfer } from "./transfer.ts";

/** How long a finished transfer (and its key) is kept at least. */
export const KEY_RETENTION_MS = 24 * 3_600_000;

export interface TransferApplied {
  /** False when the account already had this transfer (a replay). */
  readonly changed: boolean;
  /** Finished transfers forgotten to stay within TRANSFERS_KEPT_MAX before their 24 h. */
  readonly evictedEarly: number;
}

export function applyTransfer(state: AccountState, transfer: Transfer, nowMs: number): TransferApplied {
  if (state.transfers.has(transfer.transferId)) return { changed: false, evictedEarly: 0 };
  const own = ownTransferMaps(state);
  own.transfers.set(transfer.transferId, { ...transfer });
  own.keys.set(transfer.idempotencyScope, transfer.transferId);
  if (isOpen(transfer.status)) {
    state.holdsMinor += transfer.amountMinor;
    recordTransfer((state.risk ??= newRiskHistory()), transfer.toAccountId, transfer.amountMinor, transfer.createdAtMs);
    state.version += 1;
    state.updatedAtMs = nowMs;
  }
  return { changed: true, evictedEarly: forgetFinished(state, nowMs) };
}

/** Forgets finished transfers past their retention, and the oldest finished ones beyond the bound. */
function forgetFinished(state: AccountState, nowMs: number): number {
  const own = ownTransferMaps(state);
  let evictedEarly = 0;
  for (const transfer of own.transfers.values()) {
    const expired = transfer.updatedAtMs < nowMs - KEY_RETENTION_MS;
    const over = own.transfers.size > TRANSFERS_KEPT_MAX;
    if (!expired && !over) break;
    if (isOpen(transfer.status)) continue;
    if (!expired) evictedEarly += 1;
    own.transfers.delete(transfer.transferId);
    own.keys.delete(transfer.idempotencyScope);
  }
  return evictedEarly;
}

/**
 * The account's transfer maps, to write: its own, made here at its first transfer in place of the
 * shared empty ones. The only writer of these maps (their type is read-only everywhere else).
 */
function ownTransferMaps(state: AccountState): { transfers: Map<string, Transfer>; keys: Map<string, string> } {
  if (state.transfers === NO_TRANSFERS) {
    state.transfers = new Map();
    state.transferKeys = new Map();
  }
  return { transfers: state.transfers as Map<string, Transfer>, keys: state.transferKeys as Map<string, string> };
}
