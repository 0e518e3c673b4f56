/**
 * History from the SQL store's event log (`eventlog.transaction_events`): the same answers as the
 * ClickHouse reader, from the same rows. Each row is stored once (the unique key), so no query
 * groups; the unique index (account_id, at_ms, seq, message_id) is the order pages are read in.
 */
import { selectHistoryRows } from "./historySelect.ts";
import type { BalancePoint } from "../../domain/account/balancePoint.ts";
import type { Logger } from "../../observability/log.ts";
import {
  balancePointOfRow, historyItemOfRow, transactionPageOf, integerOf, loggedEodOfRow, type EodRow, type ItemRow, type PointRow,
} from "../../runtime/historyRows.ts";
import type {
  EventHistory, HistoryLookup, StatementParts, TransactionPage, TransactionPageQuery,
} from "../../runtime/ports.ts";
import type { SqlQuery } from "./sqlClient.ts";

const TABLE = "eventlog.transaction_events";
const APPLIED_TRANSACTIONS = "type = 'TRANSACTION' AND outcome = 'applied'";
const ITEM_COLUMNS = `message_id AS h_message_id, transaction_id AS h_transaction_id, event_type AS h_event_type,
  amount_minor::text AS h_amount, currency AS h_currency, booking_date AS h_booking_date, message_epoch_s::text AS h_epoch_s,
  message_nanos::text AS h_nanos, at_ms::text AS h_at_ms, seq::text AS h_seq`;
const POINT_COLUMNS = `account_id AS p_account_id, state_currency AS p_currency, eod_known::text AS p_eod_known,
  eod_balance_minor::text AS p_eod_balance, eod_date AS p_eod_date, intraday_minor::text AS p_intraday,
  facility_limit_known::text AS p_limit_known, facility_limit_minor::text AS p_limit, holds_minor::text AS p_holds,
  version::text AS p_version, origin_ms::text AS p_origin_ms, updated_at_ms::text AS p_updated_at_ms`;
const EOD_COLUMNS = "message_id AS e_message_id, amount_minor::text AS e_balance, as_of_date AS e_as_of_date, currency AS e_currency";

export class SqlHistoryReader implements EventHistory {
  constructor(private readonly sql: SqlQuery, private readonly log?: Logger) {}

  async transactions(query: TransactionPageQuery): Promise<HistoryLookup<TransactionPage>> {
    const params: unknown[] = [query.accountId, query.fromMs, query.toMs, query.limit + 1];
    let before = "";
    if (query.before !== undefined) {
      params.push(query.before.appliedAtMs, query.before.sequence, query.before.messageId);
      before = "AND (at_ms, seq, message_id) < ($5, $6, $7)";
    }
    const rows = await this.select<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${TABLE}
      WHERE account_id = $1 AND ${APPLIED_TRANSACTIONS} AND at_ms >= $2 AND at_ms < $3 ${before}
      ORDER BY at_ms DESC, seq DESC, message_id DESC LIMIT $4`, params);
    if (!rows.ok) return rows;
    return { ok: true, value: transactionPageOf(rows.value, query.limit) };
  }

  async balanceAsOf(accountId: string, asOfMs: number): Promise<HistoryLookup<BalancePoint | null>> {
    const rows = await this.select<PointRow>(`SELECT ${POINT_COLUMNS} FROM ${TABLE}
      WHERE account_id = $1 AND has_figures = 1 AND updated_at_ms <= $2
      ORDER BY updated_at_ms DESC, origin_ms DESC, version DESC LIMIT 1`, [accountId, asOfMs]);
    if (!rows.ok) return rows;
    return { ok: true, value: rows.value[0] === undefined ? null : balancePointOfRow(rows.value[0]) };
  }

  async statementParts(accountId: string, date: string, itemsMax: number): Promise<HistoryLookup<StatementParts | null | "too_many_items">> {
    const base = await this.eod(accountId, "as_of_date < $2", date);
    if (!base.ok) return base;
    if (base.value[0] === undefined) return { ok: true, value: null };
    const baseEod = loggedEodOfRow(base.value[0]);
    const core = await this.eod(accountId, "as_of_date = $2", date);
    if (!core.ok) return core;
    const between = await this.select<{ net: string | null }>(`SELECT sum(CASE WHEN event_type = 'TRANSACTION_REMOVED'
        THEN -amount_minor ELSE amount_minor END)::text AS net FROM ${TABLE}
      WHERE account_id = $1 AND ${APPLIED_TRANSACTIONS} AND booking_date > $2 AND booking_date < $3`, [accountId, baseEod.asOfDate, date]);
    if (!between.ok) return between;
    const items = await this.select<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${TABLE}
      WHERE account_id = $1 AND ${APPLIED_TRANSACTIONS} AND booking_date = $2
      ORDER BY at_ms, seq, message_id LIMIT $3`, [accountId, date, itemsMax + 1]);
    if (!items.ok) return items;
    if (items.value.length > itemsMax) return { ok: true, value: "too_many_items" };
    return {
      ok: true,
      value: {
        currency: baseEod.currency, baseEod, betweenMinor: integerOf(between.value[0]?.net ?? "0", "net"),
        items: items.value.map(historyItemOfRow), coreEod: core.value[0] === undefined ? null : loggedEodOfRow(core.value[0]),
      },
    };
  }

  /** The last fix of the latest applied EOD whose day passes the condition on $2. */
  private eod(accountId: string, dayCondition: string, date: string) {
    return this.select<EodRow>(`SELECT ${EOD_COLUMNS} FROM ${TABLE}
      WHERE account_id = $1 AND type = 'EOD_BALANCE' AND outcome = 'applied' AND ${dayCondition}
      ORDER BY as_of_date DESC, message_epoch_s DESC, message_nanos DESC LIMIT 1`, [accountId, date]);
  }

  private select<Row>(sql: string, params: unknown[]): Promise<HistoryLookup<Row[]>> {
    return selectHistoryRows<Row>(this.sql, this.log, sql, params);
  }
}
