/**
 * The transfer body of the contract: the 201 answer, GET /v1/transfers/:id, the 403's `transfer`
 * and the WebSocket `transfer` push. The schema is the one source of the type and the OpenAPI text.
 */
import { Type, type Static, type TLiteral, type TUnion } from "@sinclair/typebox";
import { AmountSchema, InstantSchema } from "../account/balanceView.ts";
import { minorDigitsOf } from "../currency.ts";
import { formatAmount } from "../money.ts";
import { TRANSFER_DECISIONS, TRANSFER_STATUSES, type Transfer, type TransferStatus } from "./transfer.ts";

/** One of the codes, typed as a tuple union (the form Elysia infers handlers' answers from). */
type LiteralsOf<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };
const literals = <const T extends readonly string[]>(values: T) => Type.Union(values.map((value) => Type.Literal(value))) as unknown as TUnion<LiteralsOf<T>>;

export const RiskFactorSchema = Type.Object({
  name: Type.String({ examples: ["available_share"] }),
  value: Type.Number({ minimum: 0, maximum: 1 }),
  weight: Type.Number({ minimum: 0, maximum: 1 }),
});

export const TransferViewSchema = Type.Object({
  transferId: Type.String(),
  status: literals(TRANSFER_STATUSES),
  decision: literals(TRANSFER_DECISIONS),
  riskScore: Type.Number({ minimum: 0, maximum: 1, examples: [0.23] }),
  riskFactors: Type.Array(RiskFactorSchema),
  fromAccountId: Type.String(),
  toAccountId: Type.String(),
  amount: AmountSchema,
  currency: Type.String({ examples: ["USD"] }),
  reference: Type.Optional(Type.String()),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});

export type TransferView = Static<typeof TransferViewSchema>;

/** The transfer as it is now; `asFirstAnswered` gives it as its decision left it (an idempotent replay). */
export function transferViewOf(transfer: Transfer, asFirstAnswered = false): TransferView {
  const status: TransferStatus = asFirstAnswered ? transfer.firstStatus : transfer.status;
  const updatedAtMs = asFirstAnswered ? transfer.createdAtMs : transfer.updatedAtMs;
  const view: TransferView = {
    transferId: transfer.transferId, status, decision: transfer.decision,
    riskScore: transfer.riskScore, riskFactors: transfer.riskFactors.map((factor) => ({ ...factor })),
    fromAccountId: transfer.fromAccountId, toAccountId: transfer.toAccountId,
    amount: formatAmount(transfer.amountMinor, minorDigitsOf(transfer.currency)!), currency: transfer.currency,
    createdAt: new Date(transfer.createdAtMs).toISOString(), updatedAt: new Date(updatedAtMs).toISOString(),
  };
  if (transfer.reference !== null) view.reference = transfer.reference;
  return view;
}
