/**
 * The `transaction_events` table: one row per processed message and its outcome, append-only.
 * Its DDL and the row for one ProcessedMessage live together so that they change together.
 *
 * Written for ClickHouse 18.16: no DateTime64 (so `at_ms` holds the exact epoch milliseconds and
 * `at`, derived from it, keys the table), no TTL, no LowCardinality without a flag. Dates and
 * free-text codes are Strings on purpose: a value the column type could reject (a booking date
 * before 1970, an outcome added later) would make a whole batch fail on every retry.
 */
import type { ProcessedMessage } from "../../runtime/ports.ts";
import { quoteIdentifier, wellFormed } from "./sql.ts";

export const TRANSACTION_EVENTS_TABLE = "transaction_events";

/** `db`.`transaction_events`, for query text. */
export function eventsTableOf(database: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(TRANSACTION_EVENTS_TABLE)}`;
}

export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`;
}

export function createEventsTableSql(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${eventsTableOf(database)} (
    at DateTime MATERIALIZED toDateTime(intDiv(at_ms, 1000)),
    at_ms UInt64,
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
    source_offset Int64
  ) ENGINE = MergeTree() PARTITION BY toYYYYMM(at) ORDER BY (account_id, at)`;
}

/** One row as JSONEachRow sends it. Int64 columns go as decimal strings, which 18.16 accepts. */
export interface TransactionEventRow {
  at_ms: number;
  account_id: string;
  message_id: string;
  type: string;
  event_type: string;
  transaction_id: string;
  facility_id: string;
  /** A transaction's amount as sent (REMOVED subtracts it), or an EOD's balance. */
  amount_minor: string;
  currency: string;
  booking_date: string;
  as_of_date: string;
  message_epoch_s: string;
  message_nanos: number;
  outcome: string;
  reason: string;
  source_kind: string;
  source_topic: string;
  /** -1 when the source is not Kafka. */
  source_partition: number;
  /** -1 when the source is not Kafka. */
  source_offset: string;
}

const KAFKA_OFFSET = /^(0|[1-9][0-9]{0,17})$/;

/** The row for one processed message. Pure, and total: any event the engine reports maps to a row the table accepts. */
export function eventRowOf(event: ProcessedMessage): TransactionEventRow {
  const message = event.message;
  const source = event.source;
  const kafka = source.kind === "kafka" ? source : null;
  return {
    at_ms: Number.isSafeInteger(event.atMs) && event.atMs >= 0 ? event.atMs : 0,
    account_id: text(message?.accountId ?? event.accountId),
    message_id: text(message?.messageId ?? event.messageId),
    type: text(message?.type),
    event_type: message?.type === "TRANSACTION" ? message.eventType : "",
    transaction_id: message?.type === "TRANSACTION" ? text(message.transactionId) : "",
    facility_id: message?.type === "EOD_BALANCE" ? text(message.facilityId) : "",
    amount_minor: String(message === undefined ? 0 : message.type === "TRANSACTION" ? message.amountMinor : message.balanceMinor),
    currency: text(message?.currency),
    booking_date: message?.type === "TRANSACTION" ? message.bookingDate : "",
    as_of_date: message?.type === "EOD_BALANCE" ? message.asOfDate : "",
    message_epoch_s: String(message?.timestamp.epochSeconds ?? 0),
    message_nanos: message?.timestamp.nanos ?? 0,
    outcome: event.outcome,
    reason: event.reason ?? "",
    source_kind: source.kind,
    source_topic: kafka === null ? "" : text(kafka.topic),
    source_partition: kafka !== null && Number.isInteger(kafka.partition) ? kafka.partition : -1,
    source_offset: kafka !== null && KAFKA_OFFSET.test(kafka.offset) ? kafka.offset : "-1",
  };
}

function text(value: string | undefined): string {
  return value === undefined ? "" : wellFormed(value);
}
