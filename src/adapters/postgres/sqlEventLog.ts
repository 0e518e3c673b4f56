/**
 * The event log in the SQL store (`eventlog.transaction_events`), for an engine without ClickHouse:
 * the same rows, written the same way, off the hot path. `record` appends to a bounded buffer
 * (O(1), never awaits, never throws); a background flusher inserts batches and retries failures
 * with bounded backoff. A retried batch that had landed conflicts with the table's unique key
 * and is skipped, so each row is stored once.
 *
 * The store is bounded too: past `rowsMax` rows the oldest go, checked every `rowsMax / 10`
 * inserted rows, so an engine that runs for weeks in memory does not grow without end.
 */
import { Backoff } from "../../lib/backoff.ts";
import { BatchFlusher, type DropReason } from "../../lib/batchFlusher.ts";
import type { Logger } from "../../observability/log.ts";
import { eventLogRowOf, type EventLogRow } from "../../runtime/eventLogRow.ts";
import type { EventLogWriter, LoggedEvent } from "../../runtime/ports.ts";
import type { SqlQuery } from "./sqlClient.ts";

/** Rows per INSERT: one JSON parameter, well inside what one statement should carry. */
export const SQL_EVENT_LOG_BATCH_ROWS_MAX = 2000;
const RETRY_DELAY_MS_MIN = 250;
const RETRY_DELAY_MS_MAX = 30_000;

/** The columns as jsonb_to_recordset reads them from the rows' JSON (names and order of EventLogRow). */
const RECORD_COLUMNS = `at_ms bigint, seq bigint, account_id text, message_id text, type text, event_type text,
  transaction_id text, facility_id text, amount_minor bigint, currency text, booking_date text, as_of_date text,
  message_epoch_s bigint, message_nanos integer, outcome text, reason text, source_kind text, source_topic text,
  source_partition integer, source_offset bigint, has_figures smallint, version bigint, origin_ms bigint,
  updated_at_ms bigint, eod_known smallint, eod_balance_minor bigint, eod_date text, intraday_minor bigint,
  facility_limit_known smallint, facility_limit_minor bigint, holds_minor bigint, state_currency text`;
const COLUMN_NAMES = RECORD_COLUMNS.split(",").map((column) => column.trim().split(" ")[0]).join(", ");

const INSERT_SQL = `INSERT INTO eventlog.transaction_events (${COLUMN_NAMES})
  SELECT ${COLUMN_NAMES} FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_COLUMNS})
  ON CONFLICT (account_id, at_ms, seq, message_id) DO NOTHING`;
const TRIM_SQL = `DELETE FROM eventlog.transaction_events
  WHERE id <= (SELECT max(id) FROM eventlog.transaction_events) - $1`;

export interface SqlEventLogOptions {
  readonly sql: SqlQuery;
  readonly bufferRowsMax: number;
  readonly flushIntervalMs: number;
  /** EVENT_LOG_STORE_ROWS_MAX: rows the table keeps at most (the oldest go). */
  readonly rowsMax: number;
  readonly batchRowsMax?: number;
  readonly onDropped?: (count: number, reason: Exclude<DropReason, "send_failed">) => void;
  readonly log?: Logger;
}

interface Sequenced {
  readonly event: LoggedEvent;
  readonly sequence: number;
}

export class SqlEventLog implements EventLogWriter {
  private readonly flusher: BatchFlusher<Sequenced>;
  /** As in ClickHouse: (at_ms, seq) keeps growing across restarts on one machine clock. */
  private sequence = Date.now() * 1024;
  private insertedSinceTrim = 0;

  constructor(private readonly options: SqlEventLogOptions) {
    this.flusher = new BatchFlusher({
      itemsMax: options.bufferRowsMax,
      batchItemsMax: options.batchRowsMax ?? SQL_EVENT_LOG_BATCH_ROWS_MAX,
      flushIntervalMs: options.flushIntervalMs,
      retry: new Backoff(RETRY_DELAY_MS_MIN, RETRY_DELAY_MS_MAX),
      send: (events) => this.insert(events),
      onDropped: (count, reason) => {
        if (reason !== "send_failed") options.onDropped?.(count, reason);
      },
      onSendFailed: (error, failure) => {
        if (failure.failuresInARow === 1) options.log?.warn("event_log_insert_failed", { error: String(error), buffered: this.flusher.length });
      },
      onRecovered: (failedAttempts) => options.log?.info("event_log_recovered", { failedAttempts, buffered: this.flusher.length }),
    });
  }

  record(event: LoggedEvent): void {
    this.flusher.push({ event, sequence: this.sequence++ });
  }

  start(): void {
    this.flusher.start();
  }

  flush() {
    return this.flusher.flush();
  }

  stop() {
    return this.flusher.stop();
  }

  stats() {
    return this.flusher.stats();
  }

  private async insert(events: readonly Sequenced[]): Promise<void> {
    const rows: EventLogRow[] = events.map((item) => eventLogRowOf(item.event, item.sequence));
    await this.options.sql.query(INSERT_SQL, [JSON.stringify(rows)]);
    this.insertedSinceTrim += rows.length;
    if (this.insertedSinceTrim < Math.max(1, Math.floor(this.options.rowsMax / 10))) return;
    this.insertedSinceTrim = 0;
    await this.options.sql.query(TRIM_SQL, [this.options.rowsMax]);
  }
}
