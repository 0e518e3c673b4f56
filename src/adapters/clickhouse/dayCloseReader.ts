/**
 * The EOD report's reads of the ClickHouse event log, for a chunk of accounts at once (each query
 * names them, so it reads their ranges of the primary key): the base and core EODs, the net of
 * each booking day, and the day's high-value transactions. Rows stored twice by an insert retry
 * count once (grouped by at_ms, seq, message_id first), as everywhere in the log's readers.
 */
import type { Logger } from "../../observability/log.ts";
import {
  dayClosePartsOf, earliestBaseDateOf, historyItemOfRow, type DayTotalRow, type EodRow, type ItemRow,
} from "../../runtime/historyRows.ts";
import type { DayCloseParts, DayCloseReader, HighValueItem, HistoryLookup } from "../../runtime/ports.ts";
import type { ClickHouseConnection } from "./connection.ts";
import { eventsTableOf } from "./eventSchema.ts";
import { quoteString, sqlInteger } from "./sql.ts";

type AccountEodRow = EodRow & { d_account_id: unknown };
const LATEST = "(as_of_date, message_epoch_s, message_nanos)";

export class ClickHouseDayCloseReader implements DayCloseReader {
  private readonly table: string;

  constructor(private readonly connection: Pick<ClickHouseConnection, "selectJsonEachRow">, database: string, private readonly log?: Logger) {
    this.table = eventsTableOf(database);
  }

  async closesOf(accountIds: readonly string[], date: string): Promise<HistoryLookup<DayCloseParts[]>> {
    if (accountIds.length === 0) return { ok: true, value: [] };
    const accounts = accountIds.map(quoteString).join(", ");
    const [base, core] = await Promise.all([
      this.select<AccountEodRow>(this.eodsSql(accounts, `as_of_date < ${quoteString(date)}`)),
      this.select<AccountEodRow>(this.eodsSql(accounts, `as_of_date = ${quoteString(date)}`)),
    ]);
    if (!base.ok) return base;
    if (!core.ok) return core;
    const after = earliestBaseDateOf(base.value);
    const totals = after === "" ? { ok: true as const, value: [] } : await this.select<DayTotalRow>(`
      SELECT account_id AS d_account_id, booking_date AS d_booking_date, toString(sum(signed_minor)) AS d_total FROM (
        SELECT account_id, booking_date, any(if(event_type = 'TRANSACTION_REMOVED', -amount_minor, amount_minor)) AS signed_minor
        FROM ${this.table}
        WHERE account_id IN (${accounts}) AND type = 'TRANSACTION' AND outcome = 'applied'
          AND booking_date > ${quoteString(after)} AND booking_date <= ${quoteString(date)}
        GROUP BY account_id, booking_date, at_ms, seq, message_id
      ) GROUP BY account_id, booking_date`);
    if (!totals.ok) return totals;
    return { ok: true, value: dayClosePartsOf(accountIds, base.value, core.value, totals.value) };
  }

  async highValueOf(accountIds: readonly string[], date: string, amountMinorMin: number): Promise<HistoryLookup<HighValueItem[]>> {
    if (accountIds.length === 0) return { ok: true, value: [] };
    const rows = await this.select<ItemRow & { v_account_id: string }>(`
      SELECT account_id AS v_account_id, message_id AS h_message_id, any(transaction_id) AS h_transaction_id,
        any(event_type) AS h_event_type, toString(any(amount_minor)) AS h_amount, any(currency) AS h_currency,
        any(booking_date) AS h_booking_date, toString(any(message_epoch_s)) AS h_epoch_s, toString(any(message_nanos)) AS h_nanos,
        toString(at_ms) AS h_at_ms, toString(seq) AS h_seq
      FROM ${this.table}
      WHERE account_id IN (${accountIds.map(quoteString).join(", ")}) AND type = 'TRANSACTION' AND outcome = 'applied'
        AND event_type = 'TRANSACTION_CREATED' AND booking_date = ${quoteString(date)} AND abs(amount_minor) >= ${sqlInteger(amountMinorMin)}
      GROUP BY account_id, at_ms, seq, message_id
      ORDER BY account_id, at_ms, seq`);
    if (!rows.ok) return rows;
    return { ok: true, value: rows.value.map((row) => ({ ...historyItemOfRow(row), accountId: row.v_account_id })) };
  }

  private eodsSql(accounts: string, dayCondition: string): string {
    return `SELECT account_id AS d_account_id, argMax(message_id, ${LATEST}) AS e_message_id,
        toString(argMax(amount_minor, ${LATEST})) AS e_balance, argMax(as_of_date, ${LATEST}) AS e_as_of_date,
        any(currency) AS e_currency
      FROM ${this.table}
      WHERE account_id IN (${accounts}) AND type = 'EOD_BALANCE' AND outcome = 'applied' AND ${dayCondition}
      GROUP BY account_id`;
  }

  private async select<Row>(sql: string): Promise<HistoryLookup<Row[]>> {
    const selected = await this.connection.selectJsonEachRow<Row>(sql);
    if (selected.ok) return { ok: true, value: selected.value };
    this.log?.warn("history_query_failed", { kind: selected.failure.kind, code: selected.failure.code, error: selected.failure.message });
    return { ok: false, reason: "unavailable" };
  }
}
