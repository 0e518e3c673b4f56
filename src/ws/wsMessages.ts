/**
 * The WebSocket messages of contract section 4, both ways, as TypeBox schemas: what a client may
 * send (checked on arrival) and what the engine sends (the one source of their types).
 */
import { Type, type Static } from "@sinclair/typebox";
import { BalanceViewSchema, DateSchema, InstantSchema, AmountSchema } from "../domain/account/balanceView.ts";
import { IdSchema } from "../domain/identifier.ts";
import { TransferViewSchema } from "../domain/transfer/transferView.ts";

/** `alerts`: high-value alerts; `activity`: every account's balance and transfer changes (ops:read, for the dashboard). */
const Channels = Type.Array(Type.Union([Type.Literal("alerts"), Type.Literal("activity")]), { maxItems: 2 });

/** What a client may send; `accountsMax` is WS_SUBSCRIPTIONS_MAX, the per-connection bound. */
export function clientMessageSchema(accountsMax: number) {
  return Type.Object({
    op: Type.Union([Type.Literal("subscribe"), Type.Literal("unsubscribe")]),
    accounts: Type.Optional(Type.Array(IdSchema, { maxItems: accountsMax })),
    transfers: Type.Optional(Type.Array(IdSchema, { maxItems: accountsMax })),
    channels: Type.Optional(Channels),
  });
}
export type ClientMessage = Static<ReturnType<typeof clientMessageSchema>>;

export const BalanceMessageSchema = Type.Composite([Type.Object({ type: Type.Literal("balance") }), BalanceViewSchema]);
export type BalanceMessage = Static<typeof BalanceMessageSchema>;

export const AlertMessageSchema = Type.Object({
  type: Type.Literal("alert"),
  kind: Type.Literal("high_value"),
  accountId: Type.String(),
  transactionId: Type.String(),
  amount: AmountSchema,
  currency: Type.String(),
  bookingDate: DateSchema,
  at: InstantSchema,
});
export type AlertMessage = Static<typeof AlertMessageSchema>;

export const ErrorMessageSchema = Type.Object({
  type: Type.Literal("error"),
  error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }),
});
export type ErrorMessage = Static<typeof ErrorMessageSchema>;

/** A transfer's status changed (to its subscribers, and to its source account's). */
export const TransferMessageSchema = Type.Composite([Type.Object({ type: Type.Literal("transfer") }), TransferViewSchema]);
export type TransferMessage = Static<typeof TransferMessageSchema>;

/**
 * A transfer subscription's key in the hub, beside account ids: an account id never holds a NUL
 * (domain/identifier.ts), so the two can never meet, and one set of bounds covers both.
 */
export function transferSubscriptionKey(transferId: string): string {
  return `\u0000${transferId}`;
}

/** Everything the engine sends. */
export const ServerMessageSchema = Type.Union([BalanceMessageSchema, AlertMessageSchema, TransferMessageSchema, ErrorMessageSchema]);
export type ServerMessage = Static<typeof ServerMessageSchema>;
