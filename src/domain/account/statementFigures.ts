/**
 * A day's statement in figures: the opening is the engine's close of the day before (its latest
 * earlier EOD plus the transactions booked after that EOD's day and before this one); the closing
 * is the opening plus the day's items; the core system's EOD of the day, once it has arrived, is
 * set beside the closing with their difference (core − engine). Exact, or null out of range.
 */
import type { TransactionEventType } from "./messages.ts";
import { addMinor } from "../money.ts";

export interface StatementInput {
  readonly baseEodMinor: number;
  /** Net of the transactions booked between the base EOD's day and the statement's day. */
  readonly betweenMinor: number;
  readonly items: readonly { readonly eventType: TransactionEventType; readonly amountMinor: number }[];
  readonly coreEodMinor: number | null;
}

export interface StatementFigures {
  readonly openingMinor: number;
  /** The balance after each item, in the items' order. */
  readonly runningMinor: readonly number[];
  readonly closingMinor: number;
  readonly coreDifferenceMinor: number | null;
}

/** What an item does to the balance: CREATED adds its amount, REMOVED subtracts it. */
export function signedAmountOf(item: StatementInput["items"][number]): number {
  return item.eventType === "TRANSACTION_CREATED" ? item.amountMinor : -item.amountMinor;
}

export function statementFiguresOf(input: StatementInput): StatementFigures | null {
  const openingMinor = addMinor(input.baseEodMinor, input.betweenMinor);
  if (openingMinor === null) return null;
  const runningMinor: number[] = [];
  let balanceMinor = openingMinor;
  for (const item of input.items) {
    const next = addMinor(balanceMinor, signedAmountOf(item));
    if (next === null) return null;
    runningMinor.push(next);
    balanceMinor = next;
  }
  const coreDifferenceMinor = input.coreEodMinor === null ? null : addMinor(input.coreEodMinor, -balanceMinor);
  if (input.coreEodMinor !== null && coreDifferenceMinor === null) return null;
  return { openingMinor, runningMinor, closingMinor: balanceMinor, coreDifferenceMinor };
}
