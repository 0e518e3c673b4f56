/** The `?source=db` answer: an account's row in `datalake.account`, amounts as decimal strings. */
import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { AmountSchema, DateSchema, InstantSchema } from "../domain/account/balanceView.ts";
import { minorDigitsOf } from "../domain/currency.ts";
import { formatAmount } from "../domain/money.ts";
import type { AccountRow } from "../runtime/ports.ts";

// Integers are TypeBox's: Elysia's t.Integer is a string-or-integer coercion for inputs, which the
// OpenAPI document would show as such (with a default of 0).
export const AccountCopyBody = t.Object({
  accountId: t.String(),
  currency: t.String(),
  currentBalance: AmountSchema,
  availableBalance: t.Union([AmountSchema, t.Null()]),
  eodDate: DateSchema,
  version: Type.Integer({ minimum: 1, description: "The account's version when the row was written; starts again at 1 after a restart without a snapshot" }),
  updatedAt: InstantSchema,
  source: t.Literal("db"),
});
export type AccountCopyBody = typeof AccountCopyBody.static;

export function accountCopyBodyOf(row: AccountRow): AccountCopyBody {
  const digits = minorDigitsOf(row.currency)!;
  return {
    accountId: row.accountId,
    currency: row.currency,
    currentBalance: formatAmount(row.balanceMinor, digits),
    availableBalance: row.availableMinor === null ? null : formatAmount(row.availableMinor, digits),
    eodDate: row.eodDate,
    version: row.version,
    updatedAt: new Date(row.updatedAtMs).toISOString(),
    source: "db",
  };
}
