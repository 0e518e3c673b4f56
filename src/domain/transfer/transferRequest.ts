/**
 * A transfer request's body after its shape was checked at the edge: the rules that need the
 * contract (a positive amount in the currency's minor digits, a known currency, two accounts).
 * Errors are values naming the field, for the 400 answer.
 */
import { minorDigitsOf } from "../currency.ts";
import { isIdentifier } from "../identifier.ts";
import { parseAmount } from "../money.ts";

export interface TransferBody {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: string;
  readonly currency: string;
  readonly reference?: string;
}

export interface ParsedTransferBody {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reference: string | null;
}

export type TransferBodyCheck =
  | { readonly ok: true; readonly body: ParsedTransferBody }
  | { readonly ok: false; readonly field: string; readonly message: string };

const bad = (field: string, message: string): TransferBodyCheck => ({ ok: false, field, message });

export function parseTransferBody(body: TransferBody): TransferBodyCheck {
  if (!isIdentifier(body.fromAccountId)) return bad("fromAccountId", "must be an account id");
  if (!isIdentifier(body.toAccountId)) return bad("toAccountId", "must be an account id");
  if (body.fromAccountId === body.toAccountId) return bad("toAccountId", "must differ from fromAccountId");
  const digits = minorDigitsOf(body.currency);
  if (digits === undefined) return bad("currency", "must be a currency of the contract's table");
  const amount = parseAmount(body.amount, digits);
  if (!amount.ok || amount.minor <= 0) return bad("amount", `must be a positive decimal string with at most ${digits} decimals`);
  return {
    ok: true,
    body: {
      fromAccountId: body.fromAccountId, toAccountId: body.toAccountId, amountMinor: amount.minor,
      currency: body.currency, reference: body.reference ?? null,
    },
  };
}
