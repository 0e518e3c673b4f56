/**
 * The transfer part of an account's snapshot (codec version 4): its transfers and its risk
 * history, as positional arrays, checked on the way back like the rest of the account.
 */
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { NO_TRANSFERS, NO_TRANSFER_KEYS } from "../../domain/account/accountState.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { newRiskHistory, type RiskHistory } from "../../domain/transfer/riskHistory.ts";
import { TRANSFER_DECISIONS, TRANSFER_STATUSES, type Transfer, type TransferDecision, type TransferStatus } from "../../domain/transfer/transfer.ts";

const Minor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Ms = Type.Integer({ minimum: 0 });
const oneOf = <T extends readonly string[]>(values: T) => Type.Union(values.map((value) => Type.Literal(value)));

const EncodedTransferSchema = Type.Tuple([
  Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), Minor, Type.String(),
  Type.Union([Type.String(), Type.Null()]), oneOf(TRANSFER_DECISIONS), Type.Number({ minimum: 0, maximum: 1 }),
  Type.Array(Type.Tuple([Type.String(), Type.Number(), Type.Number()])),
  oneOf(TRANSFER_STATUSES), oneOf(TRANSFER_STATUSES), Ms, Ms, Type.String(), Type.String(),
]);

export const TransferPartSchema = Type.Tuple([
  Type.Array(EncodedTransferSchema),
  Type.Array(Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 }), Minor])),
  Type.Array(Type.Tuple([Type.String({ minLength: 1 }), Ms])),
]);
export type TransferPart = Static<typeof TransferPartSchema>;
const partCheck = TypeCompiler.Compile(TransferPartSchema);

/** What most accounts have (no transfer, no risk history): written for each of them every snapshot. */
const EMPTY_PART: TransferPart = [[], [], []];

export function encodeTransferPart(transfers: ReadonlyMap<string, Transfer>, risk: RiskHistory | null): TransferPart {
  if (transfers.size === 0 && (risk === null || (risk.hours.size === 0 && risk.counterparties.size === 0))) return EMPTY_PART;
  return [
    [...transfers.values()].map((t) => [
      t.transferId, t.fromAccountId, t.toAccountId, t.amountMinor, t.currency, t.reference, t.decision, t.riskScore,
      t.riskFactors.map((f) => [f.name, f.value, f.weight] as [string, number, number]), t.firstStatus, t.status,
      t.createdAtMs, t.updatedAtMs, t.idempotencyScope, t.requestFingerprint,
    ]),
    [...(risk?.hours ?? [])].map(([hour, bucket]) => [hour, bucket.count, bucket.sumMinor]),
    [...(risk?.counterparties ?? [])],
  ];
}

export interface DecodedTransferPart {
  readonly transfers: ReadonlyMap<string, Transfer>;
  readonly transferKeys: ReadonlyMap<string, string>;
  /** Null when the part holds no history (as a new account's). */
  readonly risk: RiskHistory | null;
}

/** The part, or a description of what is wrong with it. */
export function decodeTransferPart(candidate: unknown): DecodedTransferPart | string {
  if (!partCheck.Check(candidate)) return `the transfer part does not fit the codec: ${partCheck.Errors(candidate).First()?.path ?? "?"}`;
  const [encodedTransfers, hours, counterparties] = candidate;
  if (encodedTransfers.length === 0) return { transfers: NO_TRANSFERS, transferKeys: NO_TRANSFER_KEYS, risk: riskOf(hours, counterparties) };
  const transfers = new Map<string, Transfer>();
  const transferKeys = new Map<string, string>();
  for (const e of encodedTransfers) { // the literals were checked by the schema
    if (minorDigitsOf(e[4]) === undefined) return `a transfer has unknown currency ${e[4]}`;
    transfers.set(e[0], {
      transferId: e[0], fromAccountId: e[1], toAccountId: e[2], amountMinor: e[3], currency: e[4], reference: e[5],
      decision: e[6] as TransferDecision, riskScore: e[7], riskFactors: e[8].map(([name, value, weight]) => ({ name, value, weight })),
      firstStatus: e[9] as TransferStatus, status: e[10] as TransferStatus, createdAtMs: e[11], updatedAtMs: e[12], idempotencyScope: e[13], requestFingerprint: e[14],
    });
    transferKeys.set(e[13], e[0]);
  }
  return { transfers, transferKeys, risk: riskOf(hours, counterparties) };
}

/** The risk history of the part, or null when it holds none (as a new account's). */
function riskOf(hours: readonly (readonly [number, number, number])[], counterparties: readonly (readonly [string, number])[]): RiskHistory | null {
  if (hours.length === 0 && counterparties.length === 0) return null;
  const risk = newRiskHistory();
  for (const [hour, count, sumMinor] of hours) risk.hours.set(hour, { count, sumMinor });
  for (const [id, atMs] of counterparties) risk.counterparties.set(id, atMs);
  return risk;
}
