/**
 * A record of `financial.transactions.approved` read back by the ledger worker: the transfer as
 * the engine wrote it (its journal's shape), checked. Anything else is not a transfer the ledger
 * can post: it goes to the ledger's DLQ as it came.
 */
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { ApprovedTransfer } from "../../domain/ledger/postingPlan.ts";
import { JournalTransferSchema } from "../../runtime/transferJournalRecord.ts";

const check = TypeCompiler.Compile(JournalTransferSchema);

export function parseApprovedTransfer(text: string): ApprovedTransfer | null {
  try {
    const value: unknown = JSON.parse(text);
    return check.Check(value) ? value : null;
  } catch {
    return null;
  }
}
