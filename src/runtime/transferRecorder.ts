/**
 * Records a durable transfer fact in its source account's actor (a decision, a status change) and
 * carries out what follows: the index, the 2FA deadline, the balance push (its hold), the transfer
 * push, the approved feed to the ledger, the metrics. Used by the desk once the journal has the
 * fact, and by the journal's replay; a fact the account already has changes nothing.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import { balancePointOf } from "../domain/account/balancePoint.ts";
import { applyTransfer } from "../domain/transfer/applyTransfer.ts";
import { applyStatusChange } from "../domain/transfer/changeTransferStatus.ts";
import type { Transfer, TransferStatus } from "../domain/transfer/transfer.ts";
import { transferViewOf } from "../domain/transfer/transferView.ts";
import type { TransferIndex } from "./transferIndex.ts";
import type { EngineOutputs, TransferOutputs } from "./ports.ts";

export interface TransferRecorderOptions {
  readonly index: TransferIndex;
  readonly outputs: EngineOutputs;
  readonly transferOutputs: TransferOutputs;
  /** A PENDING_2FA transfer's deadline is armed here. */
  readonly pending: (transfer: Transfer) => void;
  readonly evictedEarly: (count: number) => void;
  readonly now: () => number;
}

export class TransferRecorder {
  constructor(private readonly options: TransferRecorderOptions) {}

  decided(state: AccountState, shardId: number, transfer: Transfer): boolean {
    const applied = applyTransfer(state, transfer, this.options.now());
    if (applied.evictedEarly > 0) this.options.evictedEarly(applied.evictedEarly);
    if (!applied.changed) return false;
    const kept = state.transfers.get(transfer.transferId)!;
    this.options.index.add(kept);
    if (kept.status === "PENDING_2FA") this.options.pending(kept);
    if (kept.status === "APPROVED" || kept.status === "PENDING_2FA") this.holdChanged(state, shardId, kept.transferId);
    this.followUp(kept);
    return true;
  }

  statusChanged(state: AccountState, shardId: number, transferId: string, status: TransferStatus, atMs: number): boolean {
    const holdsBefore = state.holdsMinor;
    if (!applyStatusChange(state, transferId, status, atMs)) return false;
    if (state.holdsMinor !== holdsBefore) this.holdChanged(state, shardId, transferId);
    this.followUp(state.transfers.get(transferId)!);
    return true;
  }

  /** After a transfer of this account changed elsewhere (the ledger's debit leg posted it). */
  changedByMessage(state: AccountState, transferId: string): void {
    const transfer = state.transfers.get(transferId);
    if (transfer !== undefined) this.followUp(transfer);
  }

  /** Indexes the transfers of recovered accounts and arms their 2FA deadlines again. */
  recovered(states: Iterable<AccountState>): void {
    for (const state of states) {
      for (const transfer of state.transfers.values()) {
        this.options.index.add(transfer);
        if (transfer.status === "PENDING_2FA") this.options.pending(transfer);
      }
    }
  }

  private holdChanged(state: AccountState, shardId: number, transferId: string): void {
    this.options.outputs.balanceChanged(state, shardId);
    this.options.outputs.holdChanged?.({ kind: "hold", atMs: this.options.now(), transferId, balance: balancePointOf(state) });
  }

  private followUp(transfer: Transfer): void {
    this.options.transferOutputs.transferChanged(transferViewOf(transfer));
    if (transfer.status === "APPROVED") this.options.transferOutputs.approved(transfer);
  }
}
