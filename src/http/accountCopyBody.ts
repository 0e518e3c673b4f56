/** The `?source=db` answer: an account's row in `datalake.account`, amounts as decimal strings. */
import { t } from "elysia";
import { AmountSchema, DateSchema, InstantSchema } from "../domain/account/balanceView.ts";
import { minorDigitsOf } from "../domain/currency.ts";
import { formatAmount } from "../domain/money.ts";
import type { AccountRow } from "../runtime/ports.ts";

export const AccountCopyBody = t.Object({
  accountId: t.String(),
  currency: t.String(),
  currentBalance: AmountSchema,
  availableBalance: t.Union([AmountSchema, t.Null()]),
  eodDate: DateSchema,
  version: t.Integer({ minimum: 1 }),
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
