/**
 * A transfer the engine and the ledger disagree on (contract section 9, reconciliation "with the
 * ledger for posted transfers"), once both have had time to settle: the engine says POSTED but
 * the ledger has no posting of it, or one of other figures; or the ledger posted a transfer the
 * engine has as FAILED (a commit whose answer was lost while Postgres was down) or still as
 * APPROVED (its legs never reached the engine). An APPROVED transfer the ledger has not seen yet
 * is lag, not drift (`ledger_consumer_lag` shows it).
 */
import type { TransferStatus } from "../transfer/transfer.ts";

/** The figures of one transfer as one side knows them. */
export interface TransferFigures {
  readonly status: TransferStatus | "POSTED" | "FAILED";
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
}

export function isLedgerDrift(engine: TransferFigures, ledger: TransferFigures | null): boolean {
  const ledgerPosted = ledger?.status === "POSTED";
  if (engine.status === "POSTED") return !ledgerPosted || !sameMoney(engine, ledger!);
  if (engine.status === "FAILED" || engine.status === "APPROVED") return ledgerPosted;
  return false;
}

/** Only transfers that reached the ledger's side are compared (not PENDING_2FA, REJECTED, EXPIRED). */
export function isLedgerComparable(status: TransferStatus): boolean {
  return status === "POSTED" || status === "FAILED" || status === "APPROVED";
}

function sameMoney(a: TransferFigures, b: TransferFigures): boolean {
  return a.fromAccountId === b.fromAccountId && a.toAccountId === b.toAccountId && a.amountMinor === b.amountMinor && a.currency === b.currency;
}
