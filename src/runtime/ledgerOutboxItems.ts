/**
 * What the outbox holds for a transfer the ledger decided: its two legs for `bank.transactions`,
 * or, when it failed, the status record that tells the engine (through the transfer journal, the
 * engine's own input) that the transfer is FAILED, so its hold is released.
 */
import { ledgerLegsOf } from "../domain/ledger/ledgerLegs.ts";
import type { ApprovedTransfer } from "../domain/ledger/postingPlan.ts";
import type { OutboxItem } from "./ports.ts";
import type { TransferJournalRecord } from "./transferJournalRecord.ts";

export function legItemsOf(transfer: ApprovedTransfer, postedAtMs: number): OutboxItem[] {
  return ledgerLegsOf(transfer, postedAtMs).map((leg) => ({ kind: "leg", key: leg.accountId, payload: JSON.stringify(leg) }));
}

export function failedItemOf(transfer: ApprovedTransfer, atMs: number): OutboxItem {
  const record: TransferJournalRecord = { kind: "status", transferId: transfer.transferId, fromAccountId: transfer.fromAccountId, status: "FAILED", atMs };
  return { kind: "failed", key: transfer.fromAccountId, payload: JSON.stringify(record) };
}
