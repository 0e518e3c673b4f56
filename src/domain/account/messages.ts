/**
 * The input messages of the contract (section 2), as TypeBox schemas: they check the shape of
 * what arrives and document it in the OpenAPI description. Amounts are checked apart from the
 * shape, because a JSON number there is `invalid_amount`, not `invalid_schema`.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { Instant } from "../calendar.ts";

import { ID_LENGTH_MAX } from "../identifier.ts";

/** Bounded, so one message cannot grow the engine's memory; the content rule is `isIdentifier`. */
const Id = Type.String({ minLength: 1, maxLength: ID_LENGTH_MAX });
const ShortText = Type.String({ maxLength: 64 });

export const EodBalanceShape = Type.Object({
  type: Type.Literal("EOD_BALANCE"),
  messageId: Id,
  accountId: Id,
  facilityId: Id,
  balance: Type.Unknown({ description: 'Decimal string in major units, e.g. "1000.00"' }),
  currency: ShortText,
  asOfDate: ShortText,
  timestamp: ShortText,
});

export const TransactionShape = Type.Object({
  type: Type.Literal("TRANSACTION"),
  messageId: Id,
  accountId: Id,
  eventType: ShortText,
  transactionId: Id,
  amount: Type.Unknown({ description: 'Decimal string in major units, e.g. "-50.00"' }),
  currency: ShortText,
  bookingDate: ShortText,
  timestamp: ShortText,
  transferId: Type.Optional(Type.String({ minLength: 1, maxLength: ID_LENGTH_MAX, description: "Set on the ledger's legs of a transfer (`<transferId>:debit` / `:credit`)" })),
});

export const BankMessageShape = Type.Union([EodBalanceShape, TransactionShape]);
export type BankMessageInput = Static<typeof BankMessageShape>;

export const TRANSACTION_EVENT_TYPES = ["TRANSACTION_CREATED", "TRANSACTION_REMOVED"] as const;
export type TransactionEventType = (typeof TRANSACTION_EVENT_TYPES)[number];

/** A valid EOD balance message, amounts in minor units. */
export interface EodBalanceMessage {
  readonly type: "EOD_BALANCE";
  readonly messageId: string;
  readonly accountId: string;
  readonly facilityId: string;
  readonly balanceMinor: number;
  readonly currency: string;
  readonly asOfDate: string;
  readonly timestamp: Instant;
}

/** A valid transaction message, amounts in minor units. */
export interface TransactionMessage {
  readonly type: "TRANSACTION";
  readonly messageId: string;
  readonly accountId: string;
  readonly eventType: TransactionEventType;
  readonly transactionId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly bookingDate: string;
  readonly timestamp: Instant;
  /** The transfer this is a leg of, when the ledger posted it. */
  readonly transferId?: string;
}

export type BankMessage = EodBalanceMessage | TransactionMessage;
