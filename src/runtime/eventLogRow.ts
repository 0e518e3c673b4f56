/**
 * One row of the event log, whichever store keeps it (ClickHouse `transaction_events`, or the
 * embedded store's copy of it): a processed message and its outcome, or a facility change, with
 * the account's figures after an applied change. Pure and total: any event the engine reports
 * maps to a row the tables accept. 64-bit integers travel as decimal strings (exact in both).
 */
import { isFacilityLimitApplied, isHoldChanged, type HoldChanged, type LoggedEvent, type ProcessedMessage } from "./ports.ts";
import type { BalancePoint } from "../domain/account/balancePoint.ts";

/** The `type` of a facility change's row (messages have EOD_BALANCE or TRANSACTION). */
export const FACILITY_LIMIT_ROW_TYPE = "FACILITY_LIMIT";
/** A transfer's hold placed or released: its row carries the account's figures (for ?asOf=). */
export const HOLD_ROW_TYPE = "HOLD";

export interface EventLogRow {
  at_ms: number;
  /** Record order within one process (after at_ms): the history pages' key with message_id. */
  seq: number;
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
  /** 1 when the row carries the account's figures after the change (the columns below). */
  has_figures: number;
  version: string;
  origin_ms: string;
  updated_at_ms: string;
  /** 0 before the account's first EOD (eod_balance_minor and eod_date are then empty). */
  eod_known: number;
  eod_balance_minor: string;
  eod_date: string;
  intraday_minor: string;
  facility_limit_known: number;
  facility_limit_minor: string;
  holds_minor: string;
  state_currency: string;
}

const KAFKA_OFFSET = /^(0|[1-9][0-9]{0,17})$/;

/** The row of one logged event, `sequence` its place in this process's record order. */
export function eventLogRowOf(event: LoggedEvent, sequence = 0): EventLogRow {
  const row = isFacilityLimitApplied(event) ? facilityRowOf(event.facilityId, event.balance)
    : isHoldChanged(event) ? holdRowOf(event) : messageRowOf(event);
  row.at_ms = Number.isSafeInteger(event.atMs) && event.atMs >= 0 ? event.atMs : 0;
  row.seq = Number.isSafeInteger(sequence) && sequence >= 0 ? sequence : 0;
  return row;
}

function messageRowOf(event: ProcessedMessage): EventLogRow {
  const message = event.message;
  const source = event.source;
  const kafka = source.kind === "kafka" ? source : null;
  return {
    at_ms: 0, seq: 0,
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
    ...figuresOf(event.balance),
  };
}

function holdRowOf(event: HoldChanged): EventLogRow {
  return { ...facilityRowOf("", event.balance), type: HOLD_ROW_TYPE, transaction_id: text(event.transferId), amount_minor: String(event.balance.holdsMinor), source_kind: "transfer" };
}

function facilityRowOf(facilityId: string, balance: BalancePoint): EventLogRow {
  return {
    at_ms: 0, seq: 0, account_id: text(balance.accountId), message_id: "", type: FACILITY_LIMIT_ROW_TYPE, event_type: "",
    transaction_id: "", facility_id: text(facilityId), amount_minor: String(balance.facilityLimitMinor ?? 0),
    currency: text(balance.currency ?? undefined), booking_date: "", as_of_date: "", message_epoch_s: "0", message_nanos: 0,
    outcome: "applied", reason: "", source_kind: "admin", source_topic: "", source_partition: -1, source_offset: "-1",
    ...figuresOf(balance),
  };
}

type FigureColumns = Pick<EventLogRow,
  "has_figures" | "version" | "origin_ms" | "updated_at_ms" | "eod_known" | "eod_balance_minor" | "eod_date" |
  "intraday_minor" | "facility_limit_known" | "facility_limit_minor" | "holds_minor" | "state_currency">;

function figuresOf(balance: BalancePoint | undefined): FigureColumns {
  if (balance === undefined) {
    return {
      has_figures: 0, version: "0", origin_ms: "0", updated_at_ms: "0", eod_known: 0, eod_balance_minor: "0", eod_date: "",
      intraday_minor: "0", facility_limit_known: 0, facility_limit_minor: "0", holds_minor: "0", state_currency: "",
    };
  }
  return {
    has_figures: 1, version: String(balance.version), origin_ms: String(balance.originMs), updated_at_ms: String(balance.updatedAtMs),
    eod_known: balance.eod === null ? 0 : 1, eod_balance_minor: String(balance.eod?.balanceMinor ?? 0), eod_date: balance.eod?.date ?? "",
    intraday_minor: String(balance.intradayTotalMinor), facility_limit_known: balance.facilityLimitMinor === null ? 0 : 1,
    facility_limit_minor: String(balance.facilityLimitMinor ?? 0), holds_minor: String(balance.holdsMinor),
    state_currency: text(balance.currency ?? undefined),
  };
}

/** The text with every lone surrogate replaced by U+FFFD: neither store takes them in UTF-8. */
function text(value: string | undefined): string {
  if (value === undefined) return "";
  return value.isWellFormed() ? value : value.toWellFormed();
}
