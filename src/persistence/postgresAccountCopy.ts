/** `GET /v1/accounts/:id/balance?source=db`: one row of `datalake.account`, through any SqlClient. */
import { minorDigitsOf } from "../actors/currency.ts";
import { formatAmount } from "../actors/money.ts";
import type { AccountCopyReader } from "../http/httpDeps.ts";
import { minorFromColumn, type SqlClient } from "./sqlClient.ts";

interface AccountColumns {
  account_id: string;
  account_balance: unknown;
  account_available: unknown;
  currency: string;
  eod_date: string;
  version: unknown;
  updated_at_ms: unknown;
}

// Dates as text and the instant as epoch milliseconds: no driver turns them into a Date in the
// process's time zone on the way.
const SELECT_ACCOUNT = `
  SELECT account_id, account_balance, account_available, currency,
         eod_date::text AS eod_date, version,
         floor(extract(epoch FROM updated_at) * 1000)::bigint AS updated_at_ms
  FROM datalake.account WHERE account_id = $1`;

export class PostgresAccountCopy implements AccountCopyReader {
  constructor(private readonly sql: SqlClient) {}

  async read(accountId: string): Promise<Record<string, unknown> | null> {
    const { rows } = await this.sql.query<AccountColumns>(SELECT_ACCOUNT, [accountId]);
    const row = rows[0];
    return row === undefined ? null : accountCopyBody(row);
  }
}

/** The response body of a row, checked as it is read back. */
function accountCopyBody(row: AccountColumns): Record<string, unknown> {
  const currency = row.currency.trim();
  const digits = minorDigitsOf(currency);
  if (digits === undefined) throw new Error(`invariant: datalake.account ${row.account_id} has unknown currency ${currency}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(row.eod_date)) throw new Error(`invariant: datalake.account ${row.account_id} has eod_date ${row.eod_date}`);
  const version = integerFromColumn(row.version, "version");
  if (version < 1) throw new Error(`invariant: datalake.account ${row.account_id} has version ${version}`);
  return {
    accountId: row.account_id,
    currency,
    currentBalance: formatAmount(minorFromColumn(row.account_balance), digits),
    availableBalance: row.account_available === null ? null : formatAmount(minorFromColumn(row.account_available), digits),
    eodDate: row.eod_date,
    version,
    updatedAt: new Date(integerFromColumn(row.updated_at_ms, "updated_at")).toISOString(),
    source: "db",
  };
}

/** A BIGINT that is not money (version, epoch milliseconds), exact or a loud failure. */
function integerFromColumn(value: unknown, column: string): number {
  const integer = typeof value === "string" || typeof value === "bigint" ? Number(value) : value;
  if (typeof integer !== "number" || !Number.isSafeInteger(integer)) throw new Error(`invariant: datalake.account.${column} ${String(value)} is not an exact integer`);
  return integer;
}
