/**
 * History from the ClickHouse event log: an account's applied transactions a page at a time, its
 * figures as of an instant, and the parts of a day's statement. Every query names the account, so
 * it reads one narrow range of the primary key (account_id, at_ms). A row stored twice by an
 * insert retry counts once: rows are grouped by (at_ms, seq, message_id) first, a retry keeps all three.
 */
import type { Logger } from "../../observability/log.ts";
import {
  balancePointOfRow, historyItemOfRow, transactionPageOf, integerOf, loggedEodOfRow, type EodRow, type ItemRow, type PointRow,
} from "../../runtime/historyRows.ts";
import type {
  EventHistory, HistoryKey, HistoryLookup, StatementParts, TransactionPage, TransactionPageQuery,
} from "../../runtime/ports.ts";
import type { BalancePoint } from "../../domain/account/balancePoint.ts";
import type { ClickHouseConnection, ClickHouseFailure } from "./connection.ts";
import { eventsTableOf } from "./eventSchema.ts";
import { quoteString, sqlInteger } from "./sql.ts";

export interface ClickHouseHistoryReaderOptions {
  readonly connection: Pick<ClickHouseConnection, "selectJsonEachRow">;
  readonly database: string;
  /** The table of the database to read; default transaction_events (the history benchmark reads a copy beside it). */
  readonly table?: string;
  readonly log?: Logger;
}

const ITEM_COLUMNS = `message_id AS h_message_id, any(transaction_id) AS h_transaction_id, any(event_type) AS h_event_type,
  toString(any(amount_minor)) AS h_amount, any(currency) AS h_currency, any(booking_date) AS h_booking_date,
  toString(any(message_epoch_s)) AS h_epoch_s, toString(any(message_nanos)) AS h_nanos, toString(at_ms) AS h_at_ms, toString(seq) AS h_seq`;

export class ClickHouseHistoryReader implements EventHistory {
  private readonly table: string;

  constructor(private readonly options: ClickHouseHistoryReaderOptions) {
    this.table = eventsTableOf(options.database, options.table);
  }

  async transactions(query: TransactionPageQuery): Promise<HistoryLookup<TransactionPage>> {
    const rows = await this.select<ItemRow>(transactionsSql(this.table, query));
    if (!rows.ok) return rows;
    return { ok: true, value: transactionPageOf(rows.value, query.limit) };
  }

  async balanceAsOf(accountId: string, asOfMs: number): Promise<HistoryLookup<BalancePoint | null>> {
    const rows = await this.select<PointRow>(asOfSql(this.table, accountId, asOfMs));
    if (!rows.ok) return rows;
    const row = rows.value[0];
    return { ok: true, value: row === undefined ? null : balancePointOfRow(row) };
  }

  async statementParts(accountId: string, date: string, itemsMax: number): Promise<HistoryLookup<StatementParts | null | "too_many_items">> {
    const base = await this.select<EodRow>(eodSql(this.table, accountId, `as_of_date < ${quoteString(date)}`));
    if (!base.ok) return base;
    if (base.value[0] === undefined) return { ok: true, value: null };
    const baseEod = loggedEodOfRow(base.value[0]);
    const [core, between, items] = await Promise.all([
      this.select<EodRow>(eodSql(this.table, accountId, `as_of_date = ${quoteString(date)}`)),
      this.select<{ net: string }>(netSql(this.table, accountId, baseEod.asOfDate, date)),
      this.select<ItemRow>(dayItemsSql(this.table, accountId, date, itemsMax + 1)),
    ]);
    if (!core.ok) return core;
    if (!between.ok) return between;
    if (!items.ok) return items;
    if (items.value.length > itemsMax) return { ok: true, value: "too_many_items" };
    const coreRow = core.value[0];
    return {
      ok: true,
      value: {
        currency: baseEod.currency, baseEod, betweenMinor: integerOf(between.value[0]?.net ?? "0", "net"),
        items: items.value.map(historyItemOfRow), coreEod: coreRow === undefined ? null : loggedEodOfRow(coreRow),
      },
    };
  }

  private async select<Row>(sql: string): Promise<HistoryLookup<Row[]>> {
    const selected = await this.options.connection.selectJsonEachRow<Row>(sql);
    if (selected.ok) return { ok: true, value: selected.value };
    this.unavailable(selected.failure);
    return { ok: false, reason: "unavailable" };
  }

  private unavailable(failure: ClickHouseFailure): void {
    // The network is expected to fail now and then; a server exception may be a bug: say which.
    const fields = { kind: failure.kind, code: failure.code, error: failure.message };
    if (failure.kind === "server") this.options.log?.error("history_query_failed", fields);
    else this.options.log?.warn("history_query_failed", fields);
  }
}

const APPLIED_TRANSACTIONS = "type = 'TRANSACTION' AND outcome = 'applied'";

/** Newest first, one row more than the page to know whether another follows. */
export function transactionsSql(table: string, query: TransactionPageQuery): string {
  const before = query.before === undefined ? "" : `AND ${beforeSql(query.before)}`;
  return `SELECT ${ITEM_COLUMNS} FROM ${table}
    WHERE account_id = ${quoteString(query.accountId)} AND ${APPLIED_TRANSACTIONS}
      AND at >= toDateTime(${sqlInteger(Math.floor(query.fromMs / 1000))})
      AND at_ms >= ${sqlInteger(query.fromMs)} AND at_ms < ${sqlInteger(query.toMs)} ${before}
    GROUP BY at_ms, seq, message_id
    ORDER BY at_ms DESC, seq DESC, message_id DESC
    LIMIT ${sqlInteger(query.limit + 1)}`;
}

/** Strictly before the key in the log's order; the plain bound on at_ms lets the primary key cut the range. */
function beforeSql(key: HistoryKey): string {
  const at = sqlInteger(key.appliedAtMs);
  return `at_ms <= ${at} AND (at_ms, seq, message_id) < (${at}, ${sqlInteger(key.sequence)}, ${quoteString(key.messageId)})`;
}

/** The latest figures at or before the instant: by the state's clock, then (origin, version). */
export function asOfSql(table: string, accountId: string, asOfMs: number): string {
  return `SELECT account_id AS p_account_id, state_currency AS p_currency, toString(eod_known) AS p_eod_known,
      toString(eod_balance_minor) AS p_eod_balance, eod_date AS p_eod_date, toString(intraday_minor) AS p_intraday,
      toString(facility_limit_known) AS p_limit_known, toString(facility_limit_minor) AS p_limit, toString(holds_minor) AS p_holds,
      toString(version) AS p_version, toString(origin_ms) AS p_origin_ms, toString(updated_at_ms) AS p_updated_at_ms
    FROM ${table}
    WHERE account_id = ${quoteString(accountId)} AND has_figures = 1 AND updated_at_ms <= ${sqlInteger(asOfMs)}
    ORDER BY updated_at_ms DESC, origin_ms DESC, version DESC
    LIMIT 1`;
}

/** The last fix of the latest applied EOD whose day passes `dayCondition`. */
function eodSql(table: string, accountId: string, dayCondition: string): string {
  return `SELECT message_id AS e_message_id, toString(amount_minor) AS e_balance, as_of_date AS e_as_of_date, currency AS e_currency
    FROM ${table}
    WHERE account_id = ${quoteString(accountId)} AND type = 'EOD_BALANCE' AND outcome = 'applied' AND ${dayCondition}
    ORDER BY as_of_date DESC, message_epoch_s DESC, message_nanos DESC
    LIMIT 1`;
}

/** Net of the applied transactions booked in (afterDate, beforeDate), each stored row counted once. */
function netSql(table: string, accountId: string, afterDate: string, beforeDate: string): string {
  return `SELECT toString(sum(signed_minor)) AS net FROM (
      SELECT any(if(event_type = 'TRANSACTION_REMOVED', -amount_minor, amount_minor)) AS signed_minor
      FROM ${table}
      WHERE account_id = ${quoteString(accountId)} AND ${APPLIED_TRANSACTIONS}
        AND booking_date > ${quoteString(afterDate)} AND booking_date < ${quoteString(beforeDate)}
      GROUP BY at_ms, seq, message_id
    )`;
}

/** The day's applied transactions, oldest applied first. */
function dayItemsSql(table: string, accountId: string, date: string, rowsMax: number): string {
  return `SELECT ${ITEM_COLUMNS} FROM ${table}
    WHERE account_id = ${quoteString(accountId)} AND ${APPLIED_TRANSACTIONS} AND booking_date = ${quoteString(date)}
    GROUP BY at_ms, seq, message_id
    ORDER BY at_ms, seq, message_id
    LIMIT ${sqlInteger(rowsMax)}`;
}
