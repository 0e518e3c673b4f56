/**
 * The balance body of the contract (REST response and WebSocket `balance` message). The schema
 * is the one source of the type and of the OpenAPI description. No `format` on strings:
 * @elysiajs/openapi swaps TypeBox's date/date-time checks for ones that build a Zod schema per
 * call, which cost ~40% of a balance read (found by the rest-read benchmark).
 */
import { Type, type Static } from "@sinclair/typebox";
import { minorDigitsOf } from "../currency.ts";
import { formatAmount } from "../money.ts";
import { accountFiguresOf } from "./accountFigures.ts";
import type { BalancePoint } from "./balancePoint.ts";

export const AmountSchema = Type.String({ description: "Decimal string with the currency's minor digits", examples: ["1150.00"] });
export const DateSchema = Type.String({ description: "YYYY-MM-DD", examples: ["2026-11-21"] });
export const InstantSchema = Type.String({ description: "RFC 3339 instant", examples: ["2026-11-22T09:30:00.120Z"] });

export const BalanceViewSchema = Type.Object({
  accountId: Type.String(),
  currency: Type.String({ examples: ["USD"] }),
  eodBalance: AmountSchema,
  eodDate: DateSchema,
  intradayTotal: AmountSchema,
  currentBalance: AmountSchema,
  facilityLimit: Type.Union([AmountSchema, Type.Null()]),
  facilityLimitKnown: Type.Boolean(),
  holds: AmountSchema,
  availableBalance: Type.Union([AmountSchema, Type.Null()]),
  version: Type.Integer({ minimum: 1 }),
  updatedAt: InstantSchema,
});

export type BalanceView = Static<typeof BalanceViewSchema>;

/** The account's figures (live, or a point from the event log), or null while it has no EOD (the contract's 404). */
export function balanceViewOf(state: BalancePoint): BalanceView | null {
  const eod = state.eod;
  const figures = accountFiguresOf(state);
  if (eod === null || figures === null || state.currency === null) return null;
  const digits = minorDigitsOf(state.currency)!;
  const limitMinor = state.facilityLimitMinor;
  return {
    accountId: state.accountId,
    currency: state.currency,
    eodBalance: formatAmount(eod.balanceMinor, digits),
    eodDate: eod.date,
    intradayTotal: formatAmount(state.intradayTotalMinor, digits),
    currentBalance: formatAmount(figures.currentMinor, digits),
    facilityLimit: limitMinor === null ? null : formatAmount(limitMinor, digits),
    facilityLimitKnown: limitMinor !== null,
    holds: formatAmount(state.holdsMinor, digits),
    availableBalance: figures.availableMinor === null ? null : formatAmount(figures.availableMinor, digits),
    version: state.version,
    updatedAt: new Date(state.updatedAtMs).toISOString(),
  };
}
