/**
 * The `transaction_events` table: one row per processed message and its outcome (and per facility
 * change of an account), append-only, with the account's figures after each applied change. The
 * row itself is built by runtime/eventLogRow.ts; its current layout is here, and how older
 * layouts reach it is in eventLogMigrations.ts.
 *
 * Partitioned by day and ordered by (account_id, at_ms): per-account history reads a narrow range
 * of the primary key, and old days can be dropped a partition at a time.
 *
 * Written for ClickHouse 18.16: no DateTime64 (so `at_ms` holds the exact epoch milliseconds and
 * `at`, derived from it, partitions the table), no TTL, no LowCardinality without a flag. Dates and
 * free-text codes are Strings on purpose: a value the column type could reject (a booking date
 * before 1970, an outcome added later) would make a whole batch fail on every retry.
 */
import { quoteIdentifier } from "./sql.ts";

export const TRANSACTION_EVENTS_TABLE = "transaction_events";

/** `db`.`transaction_events` (or another table of the database), for query text. */
export function eventsTableOf(database: string, table = TRANSACTION_EVENTS_TABLE): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`;
}

/** The columns every layout since the first has, in order (a rebuild copies these). */
export const FIRST_LAYOUT_COLUMNS = [
  "at_ms", "account_id", "message_id", "type", "event_type", "transaction_id", "facility_id", "amount_minor", "currency",
  "booking_date", "as_of_date", "message_epoch_s", "message_nanos", "outcome", "reason", "source_kind", "source_topic",
  "source_partition", "source_offset",
] as const;

/** The current layout; `table` lets a migration build it beside the old one. */
export function createEventsTableSql(database: string, table = TRANSACTION_EVENTS_TABLE): string {
  return `CREATE TABLE IF NOT EXISTS ${eventsTableOf(database, table)} (
    at DateTime MATERIALIZED toDateTime(intDiv(at_ms, 1000)),
    at_ms UInt64,
    seq UInt64,
    account_id String,
    message_id String,
    type String,
    event_type String,
    transaction_id String,
    facility_id String,
    amount_minor Int64,
    currency String,
    booking_date String,
    as_of_date String,
    message_epoch_s Int64,
    message_nanos UInt32,
    outcome String,
    reason String,
    source_kind String,
    source_topic String,
    source_partition Int32,
    source_offset Int64,
    has_figures UInt8,
    version UInt64,
    origin_ms UInt64,
    updated_at_ms UInt64,
    eod_known UInt8,
    eod_balance_minor Int64,
    eod_date String,
    intraday_minor Int64,
    facility_limit_known UInt8,
    facility_limit_minor Int64,
    holds_minor Int64,
    state_currency String
  ) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(at) ORDER BY (account_id, at_ms)`;
}
