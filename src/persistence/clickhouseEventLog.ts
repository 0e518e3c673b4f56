/**
 * The event log: every processed message and its outcome, appended to ClickHouse
 * `transaction_events` in batches. `record` runs on the engine's hot path, so it only appends to a
 * bounded buffer (O(1), never awaits, never throws); a background flusher inserts batches at its
 * own pace and retries failures with bounded backoff, keeping the rows buffered meanwhile.
 *
 * At the bound the newest event is dropped and counted (`onDropped`), never the buffer grown.
 * Delivery is at least once: an insert that timed out may still have landed, and its retry then
 * stores the rows again (18.16 deduplicates inserts only for Replicated tables), so readers
 * count a row once per (message_id, at_ms), as the velocity reader does.
 */
import type { ProcessedMessage } from "../engine/ports.ts";
import type { Logger } from "../observability/log.ts";
import {
  CLICKHOUSE_SCHEMA_MISSING_CODES,
  type ClickHouseConnection,
  type ClickHouseFailure,
  type ClickHouseResult,
} from "./clickhouseConnection.ts";
import { createDatabaseSql, createEventsTableSql, eventRowOf, eventsTableOf } from "./clickhouseEventSchema.ts";
import { EventLogBuffer } from "./eventLogBuffer.ts";

/** Rows per INSERT: large enough that ClickHouse makes few parts, small enough to send at once. */
export const EVENT_LOG_BATCH_ROWS_MAX = 10_000;
export const EVENT_LOG_RETRY_DELAY_MS_MIN = 250;
export const EVENT_LOG_RETRY_DELAY_MS_MAX = 30_000;

/** Why events were not logged: the buffer was full, or the log had been stopped. */
export type EventLogDropReason = "buffer_full" | "stopped";

/** What the log needs from ClickHouse. */
export type EventLogConnection = Pick<ClickHouseConnection, "command" | "insertJsonEachRow">;

export interface ClickHouseEventLogOptions {
  readonly connection: EventLogConnection;
  /** Database of `transaction_events`; created if missing. */
  readonly database: string;
  /** EVENT_LOG_BUFFER_MAX: events held in memory while they wait to be inserted. */
  readonly bufferRowsMax: number;
  /** EVENT_LOG_FLUSH_MS: the flusher's pace while ClickHouse is healthy. */
  readonly flushIntervalMs: number;
  readonly batchRowsMax?: number;
  readonly retryDelayMsMin?: number;
  readonly retryDelayMsMax?: number;
  /** Called with every drop, e.g. to count `event_log_dropped_total{reason}`. Must not throw. */
  readonly onDropped?: (count: number, reason: EventLogDropReason) => void;
  readonly log?: Logger;
}

export interface EventLogStats {
  readonly buffered: number;
  readonly recordedTotal: number;
  readonly insertedTotal: number;
  readonly droppedTotal: number;
  readonly insertFailuresTotal: number;
  /** Failed attempts since the last success; 0 while healthy. */
  readonly failuresInARow: number;
}

export type FlushResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly failure: ClickHouseFailure; readonly buffered: number };

export class ClickHouseEventLog {
  private readonly buffer: EventLogBuffer<ProcessedMessage>;
  private readonly table: string;
  private readonly batchRowsMax: number;
  private readonly retryDelayMsMin: number;
  private readonly retryDelayMsMax: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private tickSoon = false;
  private started = false;
  private stopped = false;
  private schemaReady = false;
  /** Serializes inserts: one batch in flight at a time, in buffer order. */
  private lock: Promise<unknown> = Promise.resolve();
  private recordedTotal = 0;
  private insertedTotal = 0;
  private droppedTotal = 0;
  private insertFailuresTotal = 0;
  private failuresInARow = 0;

  constructor(private readonly options: ClickHouseEventLogOptions) {
    this.buffer = new EventLogBuffer(options.bufferRowsMax);
    this.table = eventsTableOf(options.database);
    this.batchRowsMax = options.batchRowsMax ?? EVENT_LOG_BATCH_ROWS_MAX;
    this.retryDelayMsMin = options.retryDelayMsMin ?? EVENT_LOG_RETRY_DELAY_MS_MIN;
    this.retryDelayMsMax = options.retryDelayMsMax ?? EVENT_LOG_RETRY_DELAY_MS_MAX;
    assertPositive("batchRowsMax", this.batchRowsMax);
    assertPositive("flushIntervalMs", options.flushIntervalMs);
    assertPositive("retryDelayMsMin", this.retryDelayMsMin);
    if (this.retryDelayMsMax < this.retryDelayMsMin) throw new Error("invariant: retryDelayMsMax < retryDelayMsMin");
  }

  /** The hot path: O(1), never awaits, never throws. */
  record(event: ProcessedMessage): void {
    if (this.stopped) return this.drop(1, "stopped");
    if (!this.buffer.push(event)) return this.drop(1, "buffer_full");
    this.recordedTotal += 1;
    // A full batch goes now rather than at the next tick, unless the flusher is backing off.
    if (this.started && !this.tickSoon && this.failuresInARow === 0 && this.buffer.length >= this.batchRowsMax) {
      this.schedule(0);
    }
  }

  /** Starts the background flusher; its first tick creates the schema. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  /** Inserts every event recorded before the call; on a failure, stops and says so (the rows stay buffered). */
  flush(): Promise<FlushResult> {
    const target = this.recordedTotal;
    return this.exclusive(() => this.drainTo(target));
  }

  /** Stops the flusher and makes one last flush; events recorded afterwards are dropped and counted. Leaves the connection open. */
  async stop(): Promise<FlushResult> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.flush();
  }

  /** CREATE DATABASE / TABLE IF NOT EXISTS; the flusher calls it before its first insert. */
  async ensureSchema(): Promise<ClickHouseResult<void>> {
    const database = await this.options.connection.command(createDatabaseSql(this.options.database));
    if (!database.ok) return database;
    const table = await this.options.connection.command(createEventsTableSql(this.options.database));
    if (table.ok) this.schemaReady = true;
    return table;
  }

  stats(): EventLogStats {
    return {
      buffered: this.buffer.length,
      recordedTotal: this.recordedTotal,
      insertedTotal: this.insertedTotal,
      droppedTotal: this.droppedTotal,
      insertFailuresTotal: this.insertFailuresTotal,
      failuresInARow: this.failuresInARow,
    };
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.tickSoon = delayMs === 0;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // The flusher alone should not keep a process alive; stop() makes the last flush.
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    const result = await this.exclusive(() => this.drainTo(this.recordedTotal));
    if (this.stopped) return;
    if (!result.ok) return this.schedule(this.retryDelayMs());
    // A batch may have filled while this one was in flight (record's own kick was replaced).
    this.schedule(this.buffer.length >= this.batchRowsMax ? 0 : this.options.flushIntervalMs);
  }

  /** Inserts batches from the front until the first `target` recorded events are stored. */
  private async drainTo(target: number): Promise<FlushResult> {
    if (!this.schemaReady) {
      const schema = await this.ensureSchema();
      if (!schema.ok) return this.failed(schema.failure);
    }
    while (this.insertedTotal < target) {
      const events = this.buffer.peek(this.batchRowsMax);
      const inserted = await this.options.connection.insertJsonEachRow(this.table, events.map(eventRowOf));
      if (!inserted.ok) return this.failed(inserted.failure);
      this.buffer.remove(events.length);
      this.insertedTotal += events.length;
      this.succeeded();
    }
    this.succeeded();
    return { ok: true };
  }

  private succeeded(): void {
    if (this.failuresInARow === 0) return;
    this.options.log?.info("event_log_recovered", { failedAttempts: this.failuresInARow, buffered: this.buffer.length });
    this.failuresInARow = 0;
  }

  private failed(failure: ClickHouseFailure): FlushResult {
    this.insertFailuresTotal += 1;
    this.failuresInARow += 1;
    // Someone dropped the table or database: create it again before the next attempt.
    if (failure.code !== null && CLICKHOUSE_SCHEMA_MISSING_CODES.has(failure.code)) this.schemaReady = false;
    // Once per outage, not per attempt: the metrics carry the rest.
    if (this.failuresInARow === 1) {
      this.options.log?.warn("event_log_insert_failed", { kind: failure.kind, code: failure.code, error: failure.message, buffered: this.buffer.length });
    }
    return { ok: false, failure, buffered: this.buffer.length };
  }

  /** Doubles from the minimum with each failure in a row, up to the maximum. */
  private retryDelayMs(): number {
    const exponent = Math.min(this.failuresInARow - 1, 30);
    return Math.min(this.retryDelayMsMax, this.retryDelayMsMin * 2 ** exponent);
  }

  private drop(count: number, reason: EventLogDropReason): void {
    this.droppedTotal += count;
    try {
      this.options.onDropped?.(count, reason);
    } catch {
      // The hot path never throws; a failing metric callback loses only its own count.
    }
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lock.then(run);
    this.lock = next.then(noop, noop);
    return next;
  }
}

function noop(): void {}

function assertPositive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`invariant: ${name} must be a positive integer, got ${value}`);
}
