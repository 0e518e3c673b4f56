/**
 * The Postgres copy of balances: the engine calls `markChanged` for every applied change, and
 * this writes `datalake.account` at its own pace, following the schedule's rules (contract
 * section 5). Postgres being down loses nothing: rows stay pending (the latest per account) and
 * the writes are retried with a bounded exponential backoff.
 */
import { Backoff } from "../../lib/backoff.ts";
import type { AccountRow } from "../../runtime/ports.ts";
import { AccountSyncSchedule } from "./accountSyncSchedule.ts";
import { upsertAccountRows } from "./accountSyncWriter.ts";
import type { SqlQuery } from "./sqlClient.ts";

/** First retry after a failed write; it doubles on each failure in a row. */
export const SYNC_RETRY_MS_MIN = 100;
/** Longest wait between two attempts while Postgres is down. */
export const SYNC_RETRY_MS_MAX = 30_000;
/**
 * Statements in flight at once: the server works on some while the process builds and sends the
 * next (bench pg-sync on 2 cores, one trial each: ~100k rows/s with two, ~112k with three). An
 * account is never in two at once: a taken account waits, cooling, until its statement ends.
 */
export const SYNC_STATEMENTS_IN_FLIGHT_MAX = 3;

/** Time and timers, injectable so that tests drive the schedule without waiting. */
export interface SyncTimers {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: SyncTimers = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Metrics hooks; all optional. Called after each statement. */
export interface AccountSyncObserver {
  batchWritten?(event: { rows: number; applied: number; durationMs: number }): void;
  /** Rows not written because the table holds a newer state of their accounts (by origin, then version). */
  rowsRefused?(count: number): void;
  /** A row the table refused with a data error (SQLSTATE class 22 or 23): dropped, the others written. */
  rowRejected?(event: { row: AccountRow; error: Error; sqlState: string }): void;
  batchFailed?(event: { rows: number; error: unknown; failuresInARow: number; retryInMs: number }): void;
  /** Pending rows dropped because this instance no longer owns the account (fencing). */
  rowsFenced?(count: number): void;
}

export interface AccountSyncOptions {
  readonly sql: SqlQuery;
  /** SYNC_MIN_INTERVAL_MS: no account is written more often. */
  readonly minIntervalMs: number;
  /** SYNC_MAX_DELAY_MS: a changed account is written within this. At least minIntervalMs. */
  readonly maxDelayMs: number;
  /** False for an account whose partition this instance lost: its rows are dropped, not written. */
  readonly isOwner?: (accountId: string) => boolean;
  readonly observer?: AccountSyncObserver;
  readonly timers?: SyncTimers;
}

export interface AccountSyncStatus {
  /** Accounts with a change not yet in Postgres. */
  readonly pendingRows: number;
  readonly failuresInARow: number;
  /** The last failed write's error message; null once a write succeeds again. */
  readonly lastError: string | null;
}

export class AccountSync {
  private readonly schedule: AccountSyncSchedule;
  private readonly sql: SqlQuery;
  private readonly isOwner: (accountId: string) => boolean;
  private readonly observer: AccountSyncObserver;
  private readonly timers: SyncTimers;

  private timer: unknown = null;
  private timerDueMs = Infinity;
  /** The one write loop (or flush) running, if any: two loops never run at once. */
  private running: Promise<void> | null = null;
  /** A statement of the running loop failed: the others' successes do not end the backoff. */
  private loopFailed = false;
  private stopped = false;
  private readonly backoff = new Backoff(SYNC_RETRY_MS_MIN, SYNC_RETRY_MS_MAX);
  private lastError: string | null = null;
  /** No attempt before this while backing off. */
  private retryAtMs = 0;

  constructor(options: AccountSyncOptions) {
    this.schedule = new AccountSyncSchedule(options);
    this.sql = options.sql;
    this.isOwner = options.isOwner ?? (() => true);
    this.observer = options.observer ?? {};
    this.timers = options.timers ?? realTimers;
  }

  /** The engine's hot path: records the account's latest row. O(1), no I/O, never throws on I/O. */
  markChanged(row: AccountRow): void {
    // An account already pending has its timer set (the due time follows its first change).
    if (this.schedule.replacePending(row)) return;
    if (this.schedule.markChanged(row, this.timers.now())) this.arm();
  }

  status(): AccountSyncStatus {
    return { pendingRows: this.schedule.pendingCount, failuresInARow: this.backoff.failuresInARow, lastError: this.lastError };
  }

  /**
   * Writes everything pending now, ignoring the minimum interval (shutdown). Rejects on the
   * first failed statement; the rows stay pending.
   */
  async flush(): Promise<void> {
    await this.exclusive(async () => {
      const error = await this.writeAll(true);
      if (error !== null) throw error;
    });
  }

  /** No more scheduled writes; waits for the one in flight. `flush()` still works afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await this.running?.catch(() => {});
  }

  /** Resolves when no write is running (tests). */
  async settled(): Promise<void> {
    while (this.running !== null) await this.running.catch(() => {});
  }

  /** Sets the timer for the next due time, unless one is set at or before it. */
  private arm(): void {
    if (this.stopped || this.running !== null) return; // the running loop arms when it ends
    const dueMs = this.schedule.nextDueMs();
    if (dueMs === null) return this.disarm();
    const atMs = Math.max(dueMs, this.retryAtMs);
    if (this.timer !== null && this.timerDueMs <= atMs) return;
    this.disarm();
    this.timerDueMs = atMs;
    this.timer = this.timers.setTimeout(() => this.onTimer(), Math.max(0, atMs - this.timers.now()));
  }

  private disarm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.timerDueMs = Infinity;
  }

  private onTimer(): void {
    this.timer = null;
    this.timerDueMs = Infinity;
    if (this.stopped || this.running !== null) return;
    // Failed statements are reported by write; a bad row (a bug upstream) must not crash the process.
    void this.exclusive(async () => void (await this.writeAll(false))).catch(() => {});
  }

  /**
   * Writes every account writable now (all pending ones with `ignoreInterval`), batch after
   * batch, up to SYNC_STATEMENTS_IN_FLIGHT_MAX statements at once; takes no new batch after a
   * failure. Returns the first failure, if any.
   */
  private async writeAll(ignoreInterval: boolean): Promise<Error | null> {
    let failure: Error | null = null;
    this.loopFailed = false;
    const lane = async () => {
      while (failure === null) {
        const { rows } = this.take(ignoreInterval);
        if (rows.length === 0) return;
        const error = await this.write(rows);
        failure ??= error;
      }
    };
    await Promise.all(Array.from({ length: SYNC_STATEMENTS_IN_FLIGHT_MAX }, lane));
    return failure;
  }

  private take(ignoreInterval: boolean) {
    const batch = this.schedule.takeBatch(this.timers.now(), this.isOwner, ignoreInterval);
    if (batch.fenced > 0) this.observer.rowsFenced?.(batch.fenced);
    return batch;
  }

  /**
   * One statement; reports it to the schedule and the observer. Returns the error that should
   * stop the loop and back off (Postgres unreachable), if any. A data error is about a row, not
   * the connection: the batch is split until the bad row stands alone and is rejected, so one
   * row the table refuses never holds back the others.
   */
  private async write(rows: AccountRow[]): Promise<Error | null> {
    const startMs = this.timers.now();
    const statement = upsertAccountRows(this.sql, rows);
    // Read after the statement was handed to the client: the cooling counts from a moment no
    // earlier than the send, so two writes of an account are never closer than the interval.
    const issuedMs = this.timers.now();
    try {
      const { applied, refused } = await statement;
      this.schedule.written(rows, issuedMs);
      if (refused > 0) this.observer.rowsRefused?.(refused);
      if (!this.loopFailed) {
        this.backoff.succeeded();
        this.lastError = null;
        this.retryAtMs = 0;
      }
      this.observer.batchWritten?.({ rows: rows.length, applied, durationMs: this.timers.now() - startMs });
      return null;
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      if (isDataError(error)) return this.isolateBadRows(rows, error, issuedMs);
      return this.failed(rows, error);
    }
  }

  /** Halves a batch that one or more rows spoiled; at most about 2 × log2(rows) statements per bad row. */
  private async isolateBadRows(rows: AccountRow[], error: Error, issuedMs: number): Promise<Error | null> {
    if (rows.length === 1) {
      // Dropped, not retried: the same row would fail the same way. The account's next change is
      // written as usual (it cools from now, like a written row).
      this.schedule.written(rows, issuedMs);
      this.observer.rowRejected?.({ row: rows[0]!, error, sqlState: sqlStateOf(error) ?? "" });
      return null;
    }
    const middle = Math.ceil(rows.length / 2);
    const rest = rows.slice(middle);
    const first = await this.write(rows.slice(0, middle));
    if (first === null) return this.write(rest);
    this.schedule.failed(rest); // Postgres went away meanwhile: the rest waits with everything else
    return first;
  }

  /** Postgres unreachable (or a statement that fails whatever its rows): the rows wait, the loop backs off. */
  private failed(rows: AccountRow[], error: Error): Error {
    this.schedule.failed(rows);
    // Statements failing together (Postgres down) count as one failure for the backoff.
    const retryInMs = this.loopFailed ? this.backoff.delayMs() : this.backoff.failed();
    this.loopFailed = true;
    this.lastError = error.message;
    this.retryAtMs = this.timers.now() + retryInMs;
    this.observer.batchFailed?.({ rows: rows.length, error, failuresInARow: this.backoff.failuresInARow, retryInMs });
    return error;
  }

  /** Runs `work` when nothing else runs, then arms the timer for what is left. */
  private async exclusive(work: () => Promise<void>): Promise<void> {
    while (this.running !== null) await this.running.catch(() => {});
    this.disarm();
    const run = work();
    this.running = run;
    try {
      await run;
    } finally {
      this.running = null;
      this.arm();
    }
  }
}

/**
 * SQLSTATE class 22 (data exception: a value out of range, a bad date) or 23 (integrity
 * constraint violation: a CHECK, NOT NULL) says a row is wrong, not that Postgres is away.
 * Both `pg` and PGlite carry the SQLSTATE as `code`; a connection error has none, or a node
 * code such as ECONNREFUSED.
 */
export function isDataError(error: Error): boolean {
  return /^2[23][0-9A-Z]{3}$/.test(sqlStateOf(error) ?? "");
}

function sqlStateOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
