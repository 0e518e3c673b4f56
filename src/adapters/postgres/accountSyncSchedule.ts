/**
 * When each changed account is written to `datalake.account` (contract section 5, Mock Bank
 * "Propagation of Changes"). Pure: times are passed in, nothing here does I/O or reads a clock,
 * so the rules are tested with plain numbers.
 *
 * The rules and how they are met:
 * - No account is written more than once per `minIntervalMs`: an account written at `issuedMs`
 *   is "cooling" until `issuedMs + minIntervalMs`; a change meanwhile waits in `coolingPending`.
 * - An account that changed is written within `maxDelayMs`: an account that is not cooling is
 *   "ready" and written at most `2 × coalesceMs` after its first change (coalesceMs ≤ maxDelayMs / 10);
 *   a cooling one is written when its cooling ends, at most `minIntervalMs ≤ maxDelayMs` after
 *   the change (the change came after the write that started the cooling).
 * - Batches of at most SYNC_BATCH_ROWS_MAX rows, each the latest row of its account.
 * Every write takes all accounts writable at that moment, so accounts written together stay
 * together (they cool down together), and the number of statements stays low.
 * Memory: at most one pending row and one cooling mark per account.
 */
import type { AccountRow } from "../../runtime/ports.ts";

/** Rows in one statement (the Mock Bank's batch limit). */
export const SYNC_BATCH_ROWS_MAX = 1000;
/** Longest a ready account waits for others to share its batch, whatever maxDelayMs allows. */
export const SYNC_COALESCE_MS_MAX = 1000;

export interface SyncScheduleOptions {
  readonly minIntervalMs: number;
  readonly maxDelayMs: number;
}

interface Pending {
  row: AccountRow;
  readonly firstChangeMs: number;
}

interface CoolingEnd {
  readonly accountId: string;
  readonly untilMs: number;
}

export interface TakenBatch {
  readonly rows: AccountRow[];
  /** Pending rows dropped because this instance no longer owns their account. */
  readonly fenced: number;
}

export class AccountSyncSchedule {
  readonly minIntervalMs: number;
  readonly maxDelayMs: number;
  /** How long the first change of an idle account waits for company in its batch. */
  readonly coalesceMs: number;

  /** Changed, not cooling: writable now. Insertion order is first-change order. */
  private readonly ready = new Map<string, Pending>();
  /** Changed while cooling (or while its write is in flight): writable when the cooling ends. */
  private readonly coolingPending = new Map<string, Pending>();
  /** accountId → end of its cooling; Infinity while its write is in flight. */
  private readonly coolingUntil = new Map<string, number>();
  /** Cooling ends in the order they were set (issue times only grow), consumed from `coolingHead`. */
  private coolingEnds: CoolingEnd[] = [];
  private coolingHead = 0;
  /** Rows taken and not yet reported written or failed, with their first change. */
  private readonly inFlight = new Map<string, number>();
  /** A lower bound of the first change among `ready` (exact while nothing was taken from it). */
  private readyOldestMs = Infinity;

  constructor(options: SyncScheduleOptions) {
    const { minIntervalMs, maxDelayMs } = options;
    if (!Number.isSafeInteger(minIntervalMs) || minIntervalMs < 0) throw new RangeError("sync: minIntervalMs must be a non-negative integer");
    if (!Number.isSafeInteger(maxDelayMs) || maxDelayMs < 0) throw new RangeError("sync: maxDelayMs must be a non-negative integer");
    // The two rules contradict each other otherwise: an account changed right after a write
    // could be written neither sooner (interval) nor later (delay).
    if (minIntervalMs > maxDelayMs) {
      throw new RangeError(`sync: SYNC_MIN_INTERVAL_MS (${minIntervalMs}) must not exceed SYNC_MAX_DELAY_MS (${maxDelayMs})`);
    }
    this.minIntervalMs = minIntervalMs;
    this.maxDelayMs = maxDelayMs;
    this.coalesceMs = Math.min(SYNC_COALESCE_MS_MAX, Math.floor(maxDelayMs / 10));
  }

  /** Accounts with a row not yet written (in flight ones included). */
  get pendingCount(): number {
    return this.ready.size + this.coolingPending.size + this.inFlight.size;
  }

  /**
   * Records the latest row of an account. O(1); a row older than the pending one (isOlderRow)
   * is ignored. True when the account was not pending yet (only then can the next due time
   * move). Rows are checked when written (upsertAccountRows), not here on every message.
   */
  markChanged(row: AccountRow, nowMs: number): boolean {
    if (this.replacePending(row)) return false;
    const cooling = this.coolingUntil.has(row.accountId);
    (cooling ? this.coolingPending : this.ready).set(row.accountId, { row, firstChangeMs: nowMs });
    if (!cooling && nowMs < this.readyOldestMs) this.readyOldestMs = nowMs;
    return true;
  }

  /**
   * The hot path's first step, which needs no clock: when the account already has a pending
   * row (a busy account between two writes), it keeps the newer of the two. True when it had one.
   */
  replacePending(row: AccountRow): boolean {
    const pending = this.ready.get(row.accountId) ?? this.coolingPending.get(row.accountId);
    if (pending === undefined) return false;
    if (!isOlderRow(row, pending.row)) pending.row = row;
    return true;
  }

  /**
   * Takes up to SYNC_BATCH_ROWS_MAX rows writable at `nowMs` and marks them in flight; report
   * each batch with `written` or `failed`. `ignoreInterval` (shutdown flush) takes cooling ones too.
   */
  takeBatch(nowMs: number, isOwner: (accountId: string) => boolean, ignoreInterval = false): TakenBatch {
    this.endCoolings(nowMs, ignoreInterval);
    const rows: AccountRow[] = [];
    let fenced = 0;
    for (const [accountId, pending] of this.ready) {
      if (rows.length === SYNC_BATCH_ROWS_MAX) break;
      this.ready.delete(accountId);
      if (!isOwner(accountId)) {
        fenced += 1;
        continue;
      }
      rows.push(pending.row);
      this.inFlight.set(accountId, pending.firstChangeMs);
      this.coolingUntil.set(accountId, Infinity); // changes during the write wait for its cooling
    }
    if (this.ready.size === 0) this.readyOldestMs = Infinity;
    return { rows, fenced };
  }

  /** The batch's statement was sent no earlier than `issuedMs`: its accounts cool from then. */
  written(rows: readonly AccountRow[], issuedMs: number): void {
    const untilMs = issuedMs + this.minIntervalMs;
    for (const row of rows) {
      if (!this.inFlight.delete(row.accountId)) throw new Error(`invariant: ${row.accountId} was not in flight`);
      this.coolingUntil.set(row.accountId, untilMs);
      this.coolingEnds.push({ accountId: row.accountId, untilMs });
    }
  }

  /** The batch's statement failed: its rows are pending again (unless a newer one came meanwhile). */
  failed(rows: readonly AccountRow[]): void {
    for (const row of rows) {
      const firstChangeMs = this.inFlight.get(row.accountId);
      if (firstChangeMs === undefined) throw new Error(`invariant: ${row.accountId} was not in flight`);
      this.inFlight.delete(row.accountId);
      // A failed statement wrote nothing, so it does not start a cooling.
      this.coolingUntil.delete(row.accountId);
      const newer = this.coolingPending.get(row.accountId);
      this.coolingPending.delete(row.accountId);
      const latest = newer !== undefined && !isOlderRow(newer.row, row) ? newer.row : row;
      this.ready.set(row.accountId, { row: latest, firstChangeMs });
      if (firstChangeMs < this.readyOldestMs) this.readyOldestMs = firstChangeMs;
    }
  }

  /** When something next becomes due, or null when nothing is pending. May be early, never late. */
  nextDueMs(): number | null {
    let readyDueMs = this.ready.size > 0 ? this.readyOldestMs + this.coalesceMs : Infinity;
    const head = this.coolingEnds[this.coolingHead];
    const coolingDueMs = this.coolingPending.size > 0 && head !== undefined ? head.untilMs : Infinity;
    // A cooling ending soon after: wait for it, so both go in one statement.
    if (readyDueMs < coolingDueMs && coolingDueMs <= readyDueMs + this.coalesceMs) readyDueMs = coolingDueMs;
    const dueMs = Math.min(readyDueMs, coolingDueMs);
    return dueMs === Infinity ? null : dueMs;
  }

  /** Ends the coolings due by `nowMs` (all of them with `all`); their pending rows become ready. */
  private endCoolings(nowMs: number, all: boolean): void {
    while (this.coolingHead < this.coolingEnds.length) {
      const end = this.coolingEnds[this.coolingHead]!;
      if (!all && end.untilMs > nowMs) break;
      this.coolingHead += 1;
      // A later write of the account set a later end; this one is stale.
      if (this.coolingUntil.get(end.accountId) !== end.untilMs) continue;
      this.coolingUntil.delete(end.accountId);
      const pending = this.coolingPending.get(end.accountId);
      if (pending === undefined) continue;
      this.coolingPending.delete(end.accountId);
      this.ready.set(end.accountId, pending);
      if (pending.firstChangeMs < this.readyOldestMs) this.readyOldestMs = pending.firstChangeMs;
    }
    if (this.coolingHead > 1024 && this.coolingHead * 2 > this.coolingEnds.length) {
      this.coolingEnds = this.coolingEnds.slice(this.coolingHead);
      this.coolingHead = 0;
    }
  }
}

/**
 * Rows of an account are ordered by (originMs, version): a state rebuilt from nothing (a later
 * origin) is newer than any row of the state it replaced, whatever their versions. The upsert's
 * guard in accountSyncWriter.ts orders them the same way.
 */
export function isOlderRow(row: AccountRow, than: AccountRow): boolean {
  return row.originMs !== than.originMs ? row.originMs < than.originMs : row.version < than.version;
}

/** A row about to be written must be whole; a bad one is a bug upstream, not bad input. */
export function assertAccountRow(row: AccountRow): void {
  const ok =
    typeof row.accountId === "string" && row.accountId.length > 0 &&
    Number.isSafeInteger(row.balanceMinor) &&
    (row.availableMinor === null || Number.isSafeInteger(row.availableMinor)) &&
    /^[A-Z]{3}$/.test(row.currency) &&
    /^\d{4}-\d{2}-\d{2}$/.test(row.eodDate) &&
    Number.isSafeInteger(row.version) && row.version > 0 &&
    Number.isSafeInteger(row.originMs) && row.originMs >= 0 &&
    Number.isSafeInteger(row.updatedAtMs) && row.updatedAtMs >= 0;
  if (!ok) throw new Error(`invariant: account row of ${String(row.accountId)} is not writable: ${JSON.stringify(row)}`);
}
