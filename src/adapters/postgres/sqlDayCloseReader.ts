/**
 * The EOD report's reads of the SQL store's event log (an embedded engine's PGLITE_DIR, read while
 * that engine is stopped), for a chunk of accounts at once: the same answers as the ClickHouse one.
 */
import { selectHistoryRows } from "./historySelect.ts";
import type { Logger } from "../../observability/log.ts";
import {
  dayClosePartsOf, earliestBaseDateOf, historyItemOfRow, type DayTotalRow, type EodRow, type ItemRow,
} from "../../runtime/historyRows.ts";
import type { DayCloseParts, DayCloseReader, HighValueItem, HistoryLookup } from "../../runtime/ports.ts";
import type { SqlQuery } from "./sqlClient.ts";

const TABLE = "eventlog.transaction_events";
type AccountEodRow = EodRow & { d_account_id: unknown };

export class SqlDayCloseReader implements DayCloseReader {
  constructor(private readonly sql: SqlQuery, private readonly log?: Logger) {}

  async closesOf(accountIds: readonly string[], date: string): Promise<HistoryLookup<DayCloseParts[]>> {
    if (accountIds.length === 0) return { ok: true, value: [] };
    const base = await this.select<AccountEodRow>(eodsSql("as_of_date < $2"), [accountIds, date]);
    if (!base.ok) return base;
    const core = await this.select<AccountEodRow>(eodsSql("as_of_date = $2"), [accountIds, date]);
    if (!core.ok) return core;
    const after = earliestBaseDateOf(base.value);
    const totals = after === "" ? { ok: true as const, value: [] } : await this.select<DayTotalRow>(`
      SELECT account_id AS d_account_id, booking_date AS d_booking_date,
        sum(CASE WHEN event_type = 'TRANSACTION_REMOVED' THEN -amount_minor ELSE amount_minor END)::text AS d_total
      FROM ${TABLE}
      WHERE account_id = ANY($1) AND type = 'TRANSACTION' AND outcome = 'applied' AND booking_date > $2 AND booking_date <= $3
      GROUP BY account_id, booking_date`, [accountIds, after, date]);
    if (!totals.ok) return totals;
    return { ok: true, value: dayClosePartsOf(accountIds, base.value, core.value, totals.value) };
  }

  async highValueOf(accountIds: readonly string[], date: string, amountMinorMin: number): Promise<HistoryLookup<HighValueItem[]>> {
    if (accountIds.length === 0) return { ok: true, value: [] };
    const rows = await this.select<ItemRow & { v_account_id: string }>(`
      SELECT account_id AS v_account_id, message_id AS h_message_id, transaction_id AS h_transaction_id, event_type AS h_event_type,
        amount_minor::text AS h_amount, currency AS h_currency, booking_date AS h_booking_date, message_epoch_s::text AS h_epoch_s,
        message_nanos::text AS h_nanos, at_ms::text AS h_at_ms, seq::text AS h_seq
      FROM ${TABLE}
      WHERE account_id = ANY($1) AND type = 'TRANSACTION' AND outcome = 'applied' AND event_type = 'TRANSACTION_CREATED'
        AND booking_date = $2 AND abs(amount_minor) >= $3
      ORDER BY account_id, at_ms, seq`, [accountIds, date, amountMinorMin]);
    if (!rows.ok) return rows;
    return { ok: true, value: rows.value.map((row) => ({ ...historyItemOfRow(row), accountId: row.v_account_id })) };
  }

  private select<Row>(sql: string, params: unknown[]): Promise<HistoryLookup<Row[]>> {
    return selectHistoryRows<Row>(this.sql, this.log, sql, params);
  }
}

/** The last fix of each account's latest applied EOD whose day passes the condition on $2. */
function eodsSql(dayCondition: string): string {
  return `SELECT DISTINCT ON (account_id) account_id AS d_account_id, message_id AS e_message_id, amount_minor::text AS e_balance,
      as_of_date AS e_as_of_date, currency AS e_currency
    FROM ${TABLE}
    WHERE account_id = ANY($1) AND type = 'EOD_BALANCE' AND outcome = 'applied' AND ${dayCondition}
    ORDER BY account_id, as_of_date DESC, message_epoch_s DESC, message_nanos DESC`;
}
