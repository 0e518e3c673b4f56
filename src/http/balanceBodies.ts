/**
 * The hot read's body as JSON text, kept per account beside the engine's state: encoding it
 * (five amounts, an instant, JSON.stringify) cost more than the rest of the read's own work, and
 * an account is read far more often than it changes. An entry holds every figure the body is
 * made of (balanceViewOf reads the currency, the EOD's balance and date, the facility limit, the
 * intraday total, the holds, the version and updatedAt) and is used only while all of them are
 * still the state's: any change, whether or not it moved the version, is a new body at once.
 * The body is kept as a Blob typed application/json: a Response made from it shares its bytes and
 * takes its content type, where a Response made from a string and headers copied the headers and
 * the text on every read (~570 against ~220 ns measured apart, the read's largest cost of its own).
 */
import { balanceViewOf } from "../domain/account/balanceView.ts";
import type { BalancePoint } from "../domain/account/balancePoint.ts";

/** Bodies kept at most (~0.4 KB each with the entry): past it the oldest entry makes room. */
export const BALANCE_BODIES_MAX = 100_000;

/** The JSON body of an account's balance read, or null when this instance holds no such account with an EOD. */
export interface BalanceBodies {
  bodyOf(accountId: string): Blob | null;
}

/** A balance body as the hot read answers it: its content type is the answer's. */
export function jsonBody(text: string): Blob {
  return new Blob([text], { type: "application/json" });
}

interface Entry {
  readonly currency: string;
  readonly eodBalanceMinor: number;
  readonly eodDate: string;
  readonly facilityLimitMinor: number | null;
  readonly intradayTotalMinor: number;
  readonly holdsMinor: number;
  readonly version: number;
  readonly updatedAtMs: number;
  readonly body: Blob;
}

export class BalanceBodyCache implements BalanceBodies {
  private readonly entries = new Map<string, Entry>();

  /** `stateOf`: the live state of an account this instance holds (the same the balance reader reads). */
  constructor(private readonly stateOf: (accountId: string) => BalancePoint | undefined, private readonly entriesMax = BALANCE_BODIES_MAX) {}

  bodyOf(accountId: string): Blob | null {
    const state = this.stateOf(accountId);
    if (state === undefined || state.eod === null || state.currency === null) return null;
    const kept = this.entries.get(accountId);
    if (kept !== undefined && isCurrent(kept, state)) return kept.body;
    const view = balanceViewOf(state);
    if (view === null) return null;
    const body = jsonBody(JSON.stringify(view));
    if (kept === undefined && this.entries.size >= this.entriesMax) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(state.accountId, entryOf(state, body));
    return body;
  }

  /** Entries kept (tests). */
  get size(): number {
    return this.entries.size;
  }

}

/** Every field the body is made of is still the state's. */
function isCurrent(entry: Entry, state: BalancePoint): boolean {
  return entry.version === state.version && entry.updatedAtMs === state.updatedAtMs && entry.holdsMinor === state.holdsMinor
    && entry.intradayTotalMinor === state.intradayTotalMinor && entry.facilityLimitMinor === state.facilityLimitMinor
    && entry.eodBalanceMinor === state.eod!.balanceMinor && entry.eodDate === state.eod!.date && entry.currency === state.currency;
}

function entryOf(state: BalancePoint, body: Blob): Entry {
  return {
    currency: state.currency!, eodBalanceMinor: state.eod!.balanceMinor, eodDate: state.eod!.date, facilityLimitMinor: state.facilityLimitMinor,
    intradayTotalMinor: state.intradayTotalMinor, holdsMinor: state.holdsMinor, version: state.version, updatedAtMs: state.updatedAtMs, body,
  };
}
