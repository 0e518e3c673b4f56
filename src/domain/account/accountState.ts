/** What the engine knows about one account. Owned by exactly one actor. */
import type { Instant } from "../calendar.ts";
import type { RiskHistory } from "../transfer/riskHistory.ts";
import { isOpen, type Transfer } from "../transfer/transfer.ts";
import { DedupeWindow } from "./dedupeWindow.ts";

export interface EodState {
  readonly balanceMinor: number;
  /** The business day the balance closes (YYYY-MM-DD). */
  readonly date: string;
  /** When the core system produced it; a later one for the same date is a fix. */
  readonly timestamp: Instant;
  readonly facilityId: string;
}

export interface AccountState {
  readonly accountId: string;
  /** Fixed by the first applied message. */
  currency: string | null;
  eod: EodState | null;
  /** null while the facility is unknown. */
  facilityLimitMinor: number | null;
  /** Intraday buckets, bookingDate → sum; every date here is after `eod.date`. */
  readonly buckets: Map<string, number>;
  /** Sum of `buckets`, kept so that a read is O(1). */
  intradayTotalMinor: number;
  /** Funds reserved by open transfers (APPROVED, PENDING_2FA): the sum of their amounts. */
  holdsMinor: number;
  /**
   * The account's outgoing transfers, oldest first: the open ones (its holds) and the finished
   * ones of the last 24 h (idempotent replays and GET /v1/transfers/:id), bounded per account.
   * Until its first transfer, the shared empty `NO_TRANSFERS` (applyTransfer, the one writer,
   * gives the account maps of its own then): most accounts never send one.
   */
  transfers: ReadonlyMap<string, Transfer>;
  /** Idempotency scope (caller + key) → transferId, for `transfers` (derived: not in snapshots). */
  transferKeys: ReadonlyMap<string, string>;
  /**
   * What the risk score reads: this account's own recent transfers. Null until its first one:
   * most accounts never send a transfer, and an empty history (two Maps) took ~95 B of heap per
   * account (bench/lib/accountHeap.ts).
   */
  risk: RiskHistory | null;
  /** +1 with every applied change. */
  version: number;
  /**
   * When this state began from nothing (epoch ms): set when an engine process first creates the
   * account, kept by its snapshots. A restart without a snapshot (PGLITE_DIR, a flushed Redis, a
   * new deployment) rebuilds the account with `version` from 1 and a later origin, so the
   * Postgres copy orders its rows by (origin, version), not by a version that starts again.
   */
  readonly originMs: number;
  updatedAtMs: number;
  /**
   * The dedupe window, bounded by one business day of the account's traffic: message ids and
   * the transaction ids of each event type, each with its date.
   */
  readonly dedupe: DedupeWindow;
}

/** What every account without transfers holds: two empty Maps of its own took ~64 B of heap per account (bench/lib/accountHeap.ts). */
export const NO_TRANSFERS: ReadonlyMap<string, Transfer> = new Map();
export const NO_TRANSFER_KEYS: ReadonlyMap<string, string> = new Map();

/** How many ids the account remembers (tests). */
export function dedupeWindowSize(state: AccountState): number {
  return state.dedupe.size;
}

export function newAccountState(accountId: string, originMs = 0): AccountState {
  return {
    accountId,
    originMs,
    currency: null,
    eod: null,
    facilityLimitMinor: null,
    buckets: new Map(),
    intradayTotalMinor: 0,
    holdsMinor: 0,
    transfers: NO_TRANSFERS,
    transferKeys: NO_TRANSFER_KEYS,
    risk: null,
    version: 0,
    updatedAtMs: 0,
    dedupe: new DedupeWindow(),
  };
}

/** Checks the invariants a snapshot or a test relies on; throws on a broken one. */
export function assertAccountState(state: AccountState): void {
  let sum = 0;
  for (const [date, total] of state.buckets) {
    if (state.eod !== null && date <= state.eod.date) throw new Error(`invariant: bucket ${date} is inside the EOD`);
    sum += total;
  }
  if (sum !== state.intradayTotalMinor) throw new Error("invariant: intraday total disagrees with its buckets");
  let held = 0;
  for (const transfer of state.transfers.values()) if (isOpen(transfer.status)) held += transfer.amountMinor;
  if (held !== state.holdsMinor) throw new Error("invariant: holds disagree with the open transfers");
  if (!Number.isSafeInteger(state.version) || state.version < 0) throw new Error("invariant: bad version");
  if (!Number.isSafeInteger(state.originMs) || state.originMs < 0) throw new Error("invariant: bad origin");
}
