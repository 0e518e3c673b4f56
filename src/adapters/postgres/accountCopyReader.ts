/** `GET /v1/accounts/:id/balance?source=db`: one row of `datalake.account`, through any SqlQuery. */
import { minorDigitsOf } from "../../domain/currency.ts";
import type { AccountCopyBatchReader, AccountCopyLookup, AccountCopyReader, AccountRow } from "../../runtime/ports.ts";
import { assertAccountRow } from "./accountSyncSchedule.ts";
import { minorFromColumn, type SqlQuery } from "./sqlClient.ts";

interface AccountColumns {
  account_id: string;
  account_balance: unknown;
  account_available: unknown;
  currency: string;
  eod_date: string;
  version: unknown;
  state_origin_ms: unknown;
  updated_at_ms: unknown;
}

// Dates as text and the instant as epoch milliseconds: no driver turns them into a Date in the
// process's time zone on the way.
const SELECT_ACCOUNT = `
  SELECT account_id, account_balance, account_available, currency,
         eod_date::text AS eod_date, version, state_origin_ms,
         floor(extract(epoch FROM updated_at) * 1000)::bigint AS updated_at_ms
  FROM datalake.account WHERE account_id = $1`;

const SELECT_ACCOUNTS = SELECT_ACCOUNT.replace("WHERE account_id = $1", "WHERE account_id = ANY($1)");

export class PostgresAccountCopy implements AccountCopyReader, AccountCopyBatchReader {
  constructor(private readonly sql: SqlQuery) {}

  /**
   * A failed query (Postgres down, a statement timeout) is `unavailable`, an answer for the caller;
   * a row that breaks the engine's own invariants still throws (a bug, not an outage).
   */
  async read(accountId: string): Promise<AccountCopyLookup> {
    let rows: AccountColumns[];
    try {
      ({ rows } = await this.sql.query<AccountColumns>(SELECT_ACCOUNT, [accountId]));
    } catch (error) {
      return { ok: false, reason: "unavailable", error: error instanceof Error ? error.message : String(error) };
    }
    const row = rows[0];
    return { ok: true, row: row === undefined ? null : accountRowOfColumns(row) };
  }

  async readMany(accountIds: readonly string[]) {
    let rows: AccountColumns[];
    try {
      ({ rows } = await this.sql.query<AccountColumns>(SELECT_ACCOUNTS, [accountIds]));
    } catch (error) {
      return { ok: false as const, error: error instanceof Error ? error.message : String(error) };
    }
    return { ok: true as const, rows: rows.map(accountRowOfColumns) };
  }
}

/** The row as the engine wrote it, checked as it is read back. */
function accountRowOfColumns(columns: AccountColumns): AccountRow {
  const currency = columns.currency.trim();
  if (minorDigitsOf(currency) === undefined) throw new Error(`invariant: datalake.account ${columns.account_id} has unknown currency ${currency}`);
  const row: AccountRow = {
    accountId: columns.account_id,
    balanceMinor: minorFromColumn(columns.account_balance),
    availableMinor: columns.account_available === null ? null : minorFromColumn(columns.account_available),
    currency,
    eodDate: columns.eod_date,
    version: integerFromColumn(columns.version, "version"),
    originMs: integerFromColumn(columns.state_origin_ms, "state_origin_ms"),
    updatedAtMs: integerFromColumn(columns.updated_at_ms, "updated_at"),
  };
  assertAccountRow(row);
  return row;
}

/** A BIGINT that is not money (version, epoch milliseconds), exact or a loud failure. */
function integerFromColumn(value: unknown, column: string): number {
  const integer = typeof value === "string" || typeof value === "bigint" ? Number(value) : value;
  if (typeof integer !== "number" || !Number.isSafeInteger(integer)) throw new Error(`invariant: datalake.account.${column} ${String(value)} is not an exact integer`);
  return integer;
}
