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
import { Backoff } from "../../lib/backoff.ts";
import { BatchFlusher, type DropReason } from "../../lib/batchFlusher.ts";
import type { Logger } from "../../observability/log.ts";
import { eventLogRowOf } from "../../runtime/eventLogRow.ts";
import type { EventLogWriter, LoggedEvent } from "../../runtime/ports.ts";
import {
  CLICKHOUSE_SCHEMA_MISSING_CODES,
  type ClickHouseConnection,
  type ClickHouseFailure,
  type ClickHouseResult,
} from "./connection.ts";
import { migrateEventLog } from "./eventLogMigrations.ts";
import { eventsTableOf } from "./eventSchema.ts";

/** Rows per INSERT: large enough that ClickHouse makes few parts, small enough to send at once. */
export const EVENT_LOG_BATCH_ROWS_MAX = 10_000;
export const EVENT_LOG_RETRY_DELAY_MS_MIN = 250;
export const EVENT_LOG_RETRY_DELAY_MS_MAX = 30_000;

/** Why events were not logged: the buffer was full, or the log had been stopped. */
export type EventLogDropReason = Exclude<DropReason, "send_failed">;

/** What the log needs from ClickHouse. */
export type EventLogConnection = Pick<ClickHouseConnection, "command" | "insertJsonEachRow" | "selectJsonEachRow">;

/** An event and its place in this process's record order (the `seq` column). */
interface Sequenced {
  readonly event: LoggedEvent;
  readonly sequence: number;
}

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

/** A failed statement, carried through the flusher with the failure as ClickHouse described it. */
class ClickHouseSendError extends Error {
  constructor(readonly failure: ClickHouseFailure) {
    super(failure.message);
  }
}

export class ClickHouseEventLog implements EventLogWriter {
  private readonly flusher: BatchFlusher<Sequenced>;
  private readonly table: string;
  private schemaReady = false;
  /**
   * Starts at this process's start time × 1024, so that (at_ms, seq) keeps growing across restarts
   * of the engine on one machine clock, and stays unique within a millisecond.
   */
  private sequence = Date.now() * 1024;

  constructor(private readonly options: ClickHouseEventLogOptions) {
    this.table = eventsTableOf(options.database);
    this.flusher = new BatchFlusher({
      itemsMax: options.bufferRowsMax,
      batchItemsMax: options.batchRowsMax ?? EVENT_LOG_BATCH_ROWS_MAX,
      flushIntervalMs: options.flushIntervalMs,
      retry: new Backoff(options.retryDelayMsMin ?? EVENT_LOG_RETRY_DELAY_MS_MIN, options.retryDelayMsMax ?? EVENT_LOG_RETRY_DELAY_MS_MAX),
      send: (events) => this.insert(events),
      onDropped: (count, reason) => {
        if (reason !== "send_failed") options.onDropped?.(count, reason);
      },
      // Once per outage, not per attempt: the metrics carry the rest.
      onSendFailed: (error, failure) => {
        if (failure.failuresInARow !== 1) return;
        const { kind, code, message } = (error as ClickHouseSendError).failure;
        this.options.log?.warn("event_log_insert_failed", { kind, code, error: message, buffered: this.flusher.length });
      },
      onRecovered: (failedAttempts) => this.options.log?.info("event_log_recovered", { failedAttempts, buffered: this.flusher.length }),
    });
  }

  /** The hot path: O(1), never awaits, never throws. */
  record(event: LoggedEvent): void {
    this.flusher.push({ event, sequence: this.sequence++ });
  }

  /** Starts the background flusher; its first insert creates the schema. */
  start(): void {
    this.flusher.start();
  }

  /** Inserts every event recorded before the call; on a failure, stops and says so (the rows stay buffered). */
  async flush(): Promise<FlushResult> {
    return this.resultOf(await this.flusher.flush());
  }

  /** Stops the flusher and makes one last flush; events recorded afterwards are dropped and counted. Leaves the connection open. */
  async stop(): Promise<FlushResult> {
    return this.resultOf(await this.flusher.stop());
  }

  /** The database, the migrations, the table; the flusher calls it before its first insert. */
  async ensureSchema(): Promise<ClickHouseResult<void>> {
    const migrated = await migrateEventLog(this.options.connection, this.options.database);
    if (!migrated.ok) return migrated;
    if (migrated.value.length > 0) this.options.log?.info("event_log_migrated", { database: this.options.database, versions: migrated.value });
    this.schemaReady = true;
    return { ok: true, value: undefined };
  }

  stats(): EventLogStats {
    const stats = this.flusher.stats();
    return {
      buffered: stats.buffered, recordedTotal: stats.pushedTotal, insertedTotal: stats.sentTotal,
      droppedTotal: stats.droppedTotal, insertFailuresTotal: stats.sendFailuresTotal, failuresInARow: stats.failuresInARow,
    };
  }

  private async insert(events: readonly Sequenced[]): Promise<void> {
    if (!this.schemaReady) {
      const schema = await this.ensureSchema();
      if (!schema.ok) throw new ClickHouseSendError(schema.failure);
    }
    const inserted = await this.options.connection.insertJsonEachRow(this.table, events.map((item) => eventLogRowOf(item.event, item.sequence)));
    if (inserted.ok) return;
    // Someone dropped the table or database: create it again before the next attempt.
    if (inserted.failure.code !== null && CLICKHOUSE_SCHEMA_MISSING_CODES.has(inserted.failure.code)) this.schemaReady = false;
    throw new ClickHouseSendError(inserted.failure);
  }

  private resultOf(result: Awaited<ReturnType<BatchFlusher<Sequenced>["flush"]>>): FlushResult {
    if (result.ok) return result;
    return { ok: false, failure: (result.error as ClickHouseSendError).failure, buffered: result.buffered };
  }
}
