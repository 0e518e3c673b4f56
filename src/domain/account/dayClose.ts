/**
 * An account's close of a business day, as the engine computes it (the same rule as its own
 * comparison at each EOD): its latest EOD of an earlier day, plus the transactions booked after
 * that day up to and including this one. Set beside the core system's EOD of the day, the
 * difference (core − engine) is what the EOD report marks.
 */
import { addMinor } from "../money.ts";

export type DayCloseStatus = "match" | "mismatch" | "no_core_eod" | "no_engine_close";

export interface DayClose {
  readonly engineCloseMinor: number | null;
  readonly coreEodMinor: number | null;
  readonly differenceMinor: number | null;
  readonly status: DayCloseStatus;
}

export interface DayCloseInput {
  readonly baseEod: { readonly balanceMinor: number; readonly asOfDate: string } | null;
  readonly dayTotals: ReadonlyMap<string, number>;
  readonly coreEodMinor: number | null;
}

/** Out of range (±(2^53 − 1)) reads as no engine close: no exact figure exists. */
export function dayCloseOf(input: DayCloseInput, date: string): DayClose {
  const engineCloseMinor = engineCloseOf(input, date);
  const coreEodMinor = input.coreEodMinor;
  if (engineCloseMinor === null) return { engineCloseMinor, coreEodMinor, differenceMinor: null, status: "no_engine_close" };
  if (coreEodMinor === null) return { engineCloseMinor, coreEodMinor, differenceMinor: null, status: "no_core_eod" };
  const differenceMinor = addMinor(coreEodMinor, -engineCloseMinor);
  if (differenceMinor === null) return { engineCloseMinor, coreEodMinor, differenceMinor, status: "mismatch" };
  return { engineCloseMinor, coreEodMinor, differenceMinor, status: differenceMinor === 0 ? "match" : "mismatch" };
}

function engineCloseOf(input: DayCloseInput, date: string): number | null {
  const base = input.baseEod;
  if (base === null) return null;
  let closeMinor: number | null = base.balanceMinor;
  for (const [bookingDate, totalMinor] of input.dayTotals) {
    if (bookingDate <= base.asOfDate || bookingDate > date) continue;
    closeMinor = addMinor(closeMinor, totalMinor);
    if (closeMinor === null) return null;
  }
  return closeMinor;
}
