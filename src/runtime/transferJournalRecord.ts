/**
 * A record of the transfer journal: a decision, or a later status change, of one transfer,
 * keyed by its source account (partitioned like the inputs). The engine replays the journal like
 * its other inputs, so a transfer answered 201 survives a crash; a record whose change is already
 * in the account (a snapshot taken after it) changes nothing. Checked when read back.
 */
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { TRANSFER_DECISIONS, TRANSFER_STATUSES, type Transfer } from "../domain/transfer/transfer.ts";
import { literalUnion } from "../lib/literalUnion.ts";
import type { ApprovedTransfer } from "../domain/ledger/postingPlan.ts";

const Id = Type.String({ minLength: 1, maxLength: 512 });
const Ms = Type.Integer({ minimum: 0 });

/** A transfer on the wire: in the journal's decided records, and on the ledger's approved topic. */
export const JournalTransferSchema = Type.Object({
  transferId: Id, fromAccountId: Id, toAccountId: Id,
  amountMinor: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), currency: Type.String({ maxLength: 8 }),
  reference: Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]),
  decision: literalUnion(TRANSFER_DECISIONS), riskScore: Type.Number({ minimum: 0, maximum: 1 }),
  riskFactors: Type.Array(Type.Object({ name: Type.String(), value: Type.Number(), weight: Type.Number() }), { maxItems: 16 }),
  firstStatus: literalUnion(TRANSFER_STATUSES), status: literalUnion(TRANSFER_STATUSES),
  createdAtMs: Ms, updatedAtMs: Ms, idempotencyScope: Type.String({ maxLength: 2048 }), requestFingerprint: Type.String({ maxLength: 128 }),
});

export const TransferJournalRecordSchema = Type.Union([
  Type.Object({ kind: Type.Literal("decided"), transfer: JournalTransferSchema }),
  Type.Object({ kind: Type.Literal("status"), transferId: Id, fromAccountId: Id, status: literalUnion(TRANSFER_STATUSES), atMs: Ms }),
]);
export type TransferJournalRecord = Static<typeof TransferJournalRecordSchema>;

const check = TypeCompiler.Compile(TransferJournalRecordSchema);

export function decidedRecord(transfer: Transfer): TransferJournalRecord {
  return { kind: "decided", transfer: { ...transfer, riskFactors: transfer.riskFactors.map((factor) => ({ ...factor })) } };
}

/** The record in a journal entry's text, or null when it is not one. */
export function parseJournalRecord(text: string): TransferJournalRecord | null {
  return checkedJson(text, (value): value is TransferJournalRecord => check.Check(value));
}

const checkTransfer = TypeCompiler.Compile(JournalTransferSchema);

/** A record of the approved topic (the ledger worker's input): the transfer, or null when it is not one. */
export function parseApprovedTransfer(text: string): ApprovedTransfer | null {
  return checkedJson(text, (value): value is ApprovedTransfer => checkTransfer.Check(value));
}

function checkedJson<T>(text: string, is: (value: unknown) => value is T): T | null {
  try {
    const value: unknown = JSON.parse(text);
    return is(value) ? value : null;
  } catch {
    return null;
  }
}
