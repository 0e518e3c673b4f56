/**
 * The two legs of a posted transfer as the core bank's own transaction messages (contract
 * section 7): the debit, negative, on the source; the credit, positive, on the destination. The
 * engine applies them like any transaction, and the debit leg posts the transfer (its hold goes).
 * Their ids are fixed by the transfer, so a leg sent twice is a duplicate the engine ignores.
 */
import { minorDigitsOf } from "../currency.ts";
import { formatAmount } from "../money.ts";
import type { ApprovedTransfer } from "./postingPlan.ts";

/** A leg as it goes on the wire (the input schema of `bank.transactions`). */
export interface LedgerLeg {
  readonly type: "TRANSACTION";
  readonly messageId: string;
  readonly accountId: string;
  readonly eventType: "TRANSACTION_CREATED";
  readonly transactionId: string;
  readonly amount: string;
  readonly currency: string;
  readonly bookingDate: string;
  readonly timestamp: string;
  readonly transferId: string;
}

/** The legs of `transfer` posted at `postedAtMs`, booked on that instant's UTC date. */
export function ledgerLegsOf(transfer: ApprovedTransfer, postedAtMs: number): readonly [LedgerLeg, LedgerLeg] {
  const digits = minorDigitsOf(transfer.currency);
  if (digits === undefined) throw new Error(`invariant: the ledger posted ${transfer.transferId} in unknown currency ${transfer.currency}`);
  const timestamp = new Date(postedAtMs).toISOString();
  const leg = (side: "debit" | "credit", accountId: string, amountMinor: number): LedgerLeg => ({
    type: "TRANSACTION", messageId: `ledger:${transfer.transferId}:${side}`, accountId, eventType: "TRANSACTION_CREATED",
    transactionId: `${transfer.transferId}:${side}`, amount: formatAmount(amountMinor, digits), currency: transfer.currency,
    bookingDate: timestamp.slice(0, 10), timestamp, transferId: transfer.transferId,
  });
  return [leg("debit", transfer.fromAccountId, -transfer.amountMinor), leg("credit", transfer.toAccountId, transfer.amountMinor)];
}
