/**
 * Velocity from the event log: per window (1 h, 24 h, 7 d of `at`, the engine's processing time),
 * the count of applied TRANSACTION messages and the sum of their signed effect on the balance
 * (CREATED +amount, REMOVED −amount). A row stored twice by an insert retry counts once: rows are
 * grouped by (message_id, at_ms) first. An account with no applied message at all is not found.
 */
import { minorDigitsOf } from "../../domain/currency.ts";
import { MINOR_MAX } from "../../domain/money.ts";
import type { Logger } from "../../observability/log.ts";
import {
  VELOCITY_WINDOW_NAMES, type VelocityFigures, type VelocityLookup, type VelocityReader, type VelocityWindowName,
} from "../../runtime/ports.ts";
import type { ClickHouseConnection, ClickHouseFailure } from "./connection.ts";
import { eventsTableOf } from "./eventSchema.ts";
import { quoteString, sqlInteger } from "./sql.ts";

const HOUR_MS = 3_600_000;

/** The windows, longest last: the query reads the longest and counts the others inside it. */
export const VELOCITY_WINDOWS_MS: Readonly<Record<VelocityWindowName, number>> = {
  "1h": HOUR_MS,
  "24h": 24 * HOUR_MS,
  "7d": 7 * 24 * HOUR_MS,
};
const LONGEST_MS = Math.max(...Object.values(VELOCITY_WINDOWS_MS));

export interface ClickHouseVelocityReaderOptions {
  readonly connection: Pick<ClickHouseConnection, "selectJsonEachRow">;
  readonly database: string;
  /** The end of every window; the engine's clock. */
  readonly now?: () => number;
  readonly log?: Logger;
}

type WindowRow = Record<string, string>;

export class ClickHouseVelocityReader implements VelocityReader {
  private readonly table: string;
  private readonly now: () => number;

  constructor(private readonly options: ClickHouseVelocityReaderOptions) {
    this.table = eventsTableOf(options.database);
    this.now = options.now ?? Date.now;
  }

  async velocity(accountId: string): Promise<VelocityLookup> {
    const nowMs = this.now();
    const selected = await this.options.connection.selectJsonEachRow<WindowRow>(windowsSql(this.table, accountId, nowMs));
    if (!selected.ok) return this.unavailable(selected.failure);
    const row = onlyRow(selected.value);
    let currency = row.currency ?? "";
    if (countOf(row, "7d") === 0) {
      // No transaction in the longest window: the currency comes from any applied message (an EOD).
      const latest = await this.options.connection.selectJsonEachRow<WindowRow>(currencySql(this.table, accountId));
      if (!latest.ok) return this.unavailable(latest.failure);
      currency = onlyRow(latest.value).account_currency ?? "";
      if (currency === "") return { ok: false, reason: "not_found" };
    } else if (row.currencies !== "1") {
      throw new Error(`invariant: account ${accountId} has applied transactions in ${row.currencies} currencies`);
    }
    return { ok: true, velocity: velocityOf(accountId, currency, nowMs, row) };
  }

  private unavailable(failure: ClickHouseFailure): VelocityLookup {
    // The network is expected to fail now and then; a server exception may be a bug: say which.
    const fields = { kind: failure.kind, code: failure.code, error: failure.message };
    if (failure.kind === "server") this.options.log?.error("velocity_query_failed", fields);
    else this.options.log?.warn("velocity_query_failed", fields);
    return { ok: false, reason: "unavailable" };
  }
}

/**
 * One row: the count and net sum of each window, over transactions deduplicated by (message_id, at_ms).
 * Aliases never reuse a column's name: 18.16 resolves aliases query-wide, so `any(x) AS x` recurses.
 */
export function windowsSql(table: string, accountId: string, nowMs: number): string {
  const fromMs = nowMs - LONGEST_MS;
  const columns = VELOCITY_WINDOW_NAMES.map((name) => {
    const inWindow = `at_ms > ${sqlInteger(nowMs - VELOCITY_WINDOWS_MS[name])}`;
    return `toString(countIf(${inWindow})) AS count_${name}, toString(sumIf(signed_minor, ${inWindow})) AS sum_${name}`;
  });
  return `SELECT toString(uniqExact(row_currency)) AS currencies, any(row_currency) AS currency, ${columns.join(", ")}
    FROM (
      SELECT any(currency) AS row_currency,
             any(if(event_type = 'TRANSACTION_REMOVED', -amount_minor, amount_minor)) AS signed_minor,
             at_ms
      FROM ${table}
      WHERE account_id = ${quoteString(accountId)} AND outcome = 'applied' AND type = 'TRANSACTION'
        AND at >= toDateTime(${sqlInteger(Math.max(0, Math.floor(fromMs / 1000)))})
        AND at_ms > ${sqlInteger(fromMs)} AND at_ms <= ${sqlInteger(nowMs)}
      GROUP BY message_id, at_ms
    )`;
}

/** The currency of any applied message of the account, or '' when it has none. */
export function currencySql(table: string, accountId: string): string {
  return `SELECT any(currency) AS account_currency FROM ${table}
    WHERE account_id = ${quoteString(accountId)} AND outcome = 'applied' AND currency != ''`;
}

function velocityOf(accountId: string, currency: string, nowMs: number, row: WindowRow): VelocityFigures {
  if (minorDigitsOf(currency) === undefined) throw new Error(`invariant: applied events of ${accountId} carry unknown currency ${currency}`);
  const window = (name: VelocityWindowName) => ({ count: countOf(row, name), sumMinor: sumOf(row, name) });
  return { accountId, currency, asOfMs: nowMs, windows: { "1h": window("1h"), "24h": window("24h"), "7d": window("7d") } };
}

function onlyRow(rows: WindowRow[]): WindowRow {
  if (rows.length !== 1) throw new Error(`invariant: an aggregate without GROUP BY returned ${rows.length} rows`);
  return rows[0]!;
}

function countOf(row: WindowRow, name: VelocityWindowName): number {
  const text = row[`count_${name}`];
  if (text === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new Error(`invariant: count_${name} is ${String(text)}, not a count`);
  }
  return Number(text);
}

/** A window's net sum may in principle leave ±(2^53 − 1) (many large amounts in a week): that fails loudly, never rounds. */
function sumOf(row: WindowRow, name: VelocityWindowName): number {
  const text = row[`sum_${name}`];
  if (text === undefined || !/^-?(0|[1-9][0-9]{0,18})$/.test(text)) throw new Error(`invariant: sum_${name} is ${String(text)}, not an integer`);
  const sum = BigInt(text);
  if (sum > BigInt(MINOR_MAX) || sum < -BigInt(MINOR_MAX)) throw new Error(`invariant: sum_${name} ${text} leaves ±(2^53 − 1) minor units`);
  return Number(sum);
}
