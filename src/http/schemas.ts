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

/**
 * An integer query parameter. Elysia coerces the text to a number and checks its bounds in a
 * decode step that forgets the parameter's name; `title` (a plain JSON Schema keyword) carries it
 * to the error answer, which names `query.<name>` as every other 400 names its field.
 */
export function integerQuery(name: string, options: { minimum: number; maximum: number; default?: number; description?: string }) {
  return t.Number({ ...options, multipleOf: 1, title: `query.${name}` });
}
