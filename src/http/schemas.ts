/**
 * Response schemas shared by routes: they type the handlers and document the API. No `format`
 * on strings: @elysiajs/openapi swaps TypeBox's date/date-time format checks for ones that build
 * a Zod schema per call, which cost ~40% of a balance read (found by the rest-read benchmark).
 */
import { t } from "elysia";

const Amount = t.String({ description: "Decimal string with the currency's minor digits", examples: ["1150.00"] });

export const BalanceBody = t.Object({
  accountId: t.String(),
  currency: t.String(),
  eodBalance: Amount,
  eodDate: t.String({ description: "YYYY-MM-DD", examples: ["2026-11-21"] }),
  intradayTotal: Amount,
  currentBalance: Amount,
  facilityLimit: t.Union([Amount, t.Null()]),
  facilityLimitKnown: t.Boolean(),
  holds: Amount,
  availableBalance: t.Union([Amount, t.Null()]),
  version: t.Integer(),
  updatedAt: t.String({ description: "RFC 3339 instant", examples: ["2026-11-22T09:30:00.120Z"] }),
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
  at: t.String({ description: "RFC 3339 instant", examples: ["2026-11-22T09:30:00.120Z"] }),
  payload: t.String({ description: "The original bytes as text" }),
});
