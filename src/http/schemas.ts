/**
 * Response schemas shared by routes. Each is the one source of its type: the domain's and the
 * runtime's schemas are used as they are, never copied.
 */
import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { AmountSchema, BalanceViewSchema, DateSchema, InstantSchema } from "../domain/account/balanceView.ts";
import { EodBalanceShape, TRANSACTION_EVENT_TYPES, TransactionShape } from "../domain/account/messages.ts";
import { CURRENCY_MINOR_DIGITS } from "../domain/currency.ts";
import { literalUnion } from "../lib/literalUnion.ts";
import { DeadLetterSchema } from "../runtime/deadLetter.ts";

export const BalanceBody = BalanceViewSchema;
export const DeadLetterBody = DeadLetterSchema;

export const ErrorResponse = t.Object({
  error: t.Object({ code: t.String(), message: t.String(), field: t.Optional(t.String()) }),
});

/**
 * An integer query parameter. Elysia coerces the text to a number and checks its bounds in a
 * decode step that forgets the parameter's name; `title` (a plain JSON Schema keyword) carries it
 * to the error answer, which names `query.<name>` as every other 400 names its field.
 */
export function integerQuery(name: string, options: { minimum: number; maximum: number; default?: number; description?: string }) {
  return t.Number({ ...options, multipleOf: 1, title: `query.${name}` });
}

/**
 * The messages as the wire carries them, for the OpenAPI document: the shapes the engine checks,
 * with each field as the contract has it (the shapes take any value for an amount, because a JSON
 * number there is invalid_amount, not invalid_schema; dates and codes are checked after the shape).
 */
const wireFields = {
  currency: literalUnion(Object.keys(CURRENCY_MINOR_DIGITS)),
  timestamp: InstantSchema,
};
const EodBalanceWire = Type.Composite([
  Type.Omit(EodBalanceShape, ["balance", "currency", "asOfDate", "timestamp"]),
  Type.Object({ balance: AmountSchema, asOfDate: DateSchema, ...wireFields }),
], { title: "EodBalanceMessage" });
const TransactionWire = Type.Composite([
  Type.Omit(TransactionShape, ["amount", "eventType", "currency", "bookingDate", "timestamp"]),
  Type.Object({ amount: AmountSchema, eventType: literalUnion(TRANSACTION_EVENT_TYPES), bookingDate: DateSchema, ...wireFields }),
], { title: "TransactionMessage" });

/** `POST /v1/events`'s request body in the document (the route itself validates each element in the engine). */
export function eventsRequestBody(messagesMax: number) {
  const message = Type.Union([EodBalanceWire, TransactionWire]);
  return {
    description: `One message, or an array of up to ${messagesMax}. An invalid element is dead-lettered (its result says why), not a 400.`,
    required: true,
    content: {
      "application/json": {
        schema: Type.Union([message, Type.Array(message, { maxItems: messagesMax })]),
        example: {
          type: "TRANSACTION", messageId: "m-2", accountId: "123", eventType: "TRANSACTION_CREATED",
          transactionId: "t-9", amount: "-50.00", currency: "USD", bookingDate: "2026-11-22", timestamp: "2026-11-22T09:30:00Z",
        },
      },
    },
  };
}
