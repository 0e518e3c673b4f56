/**
 * transferId → its source account, so GET /v1/transfers/:id and the status changes find the
 * actor. Bounded by what the accounts keep: an entry older than the accounts' retention is pruned
 * (its transfer is gone from the account too), and the index is filled again from recovered
 * accounts on a partition's assignment.
 */
import { KEY_RETENTION_MS } from "../domain/transfer/applyTransfer.ts";
import type { Transfer } from "../domain/transfer/transfer.ts";

interface Entry {
  readonly accountId: string;
  readonly atMs: number;
}

export class TransferIndex {
  private readonly entries = new Map<string, Entry>();

  add(transfer: Transfer): void {
    if (!this.entries.has(transfer.transferId)) this.entries.set(transfer.transferId, { accountId: transfer.fromAccountId, atMs: transfer.createdAtMs });
  }

  sourceOf(transferId: string): string | undefined {
    return this.entries.get(transferId)?.accountId;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets entries past the retention, oldest first (an open transfer's account keeps it: it is re-added on load). */
  prune(nowMs: number, isOpen: (transferId: string, accountId: string) => boolean): void {
    for (const [transferId, entry] of this.entries) {
      if (entry.atMs >= nowMs - KEY_RETENTION_MS) break;
      if (isOpen(transferId, entry.accountId)) continue;
      this.entries.delete(transferId);
    }
  }
}
