/**
 * Response schemas shared by routes. Each is the one source of its type: the domain's and the
 * runtime's schemas are used as they are, never copied.
 */
import { t } from "elysia";
import { BalanceViewSchema } from "../domain/account/balanceView.ts";
import { DeadLetterSchema } from "../runtime/deadLetter.ts";

export const BalanceBody = BalanceViewSchema;
export const DeadLetterBody = DeadLetterSchema;

export const ErrorResponse = t.Object({
  error: t.Object({ code: t.String(), message: t.String(), field: t.Optional(t.String()) }),
});
