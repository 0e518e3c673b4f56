/** Response schemas shared by routes: they type the handlers and document the API. */
import { t } from "elysia";

const Amount = t.String({ description: "Decimal string with the currency's minor digits", examples: ["1150.00"] });

export const BalanceBody = t.Object({
  accountId: t.String(),
  currency: t.String(),
  eodBalance: Amount,
  eodDate: t.String({ format: "date" }),
  intradayTotal: Amount,
  currentBalance: Amount,
  facilityLimit: t.Union([Amount, t.Null()]),
  facilityLimitKnown: t.Boolean(),
  holds: Amount,
  availableBalance: t.Union([Amount, t.Null()]),
  version: t.Integer(),
  updatedAt: t.String({ format: "date-time" }),
});

export const ErrorResponse = t.Object({
  error: t.Object({ code: t.String(), message: t.String(), field: t.Optional(t.String()) }),
});

export const DeadLetterBody = t.Object({
  messageId: t.Optional(t.String()),
  reason: t.String({ examples: ["before_eod"] }),
  source: t.Union([
    t.Object({ kind: t.Literal("http") }),
    t.Object({ kind: t.Literal("simulator") }),
    t.Object({ kind: t.Literal("kafka"), topic: t.String(), partition: t.Integer(), offset: t.String() }),
  ]),
  at: t.String({ format: "date-time" }),
  payload: t.String({ description: "The original bytes as text" }),
});
