/** Writes a batch of account rows to `datalake.account` in one statement, through any SqlQuery. */
import type { AccountRow } from "../../runtime/ports.ts";
import { assertAccountRow, SYNC_BATCH_ROWS_MAX } from "./accountSyncSchedule.ts";
import type { SqlQuery } from "./sqlClient.ts";

// One statement whatever the batch size: the columns go as arrays and unnest turns them into
// rows. The WHERE keeps the newest version: a late or repeated write (a retry, a zombie instance
// that lost the partition) never puts an older balance over a newer one.
// The count comes back as one row, not one row per account.
const UPSERT_ACCOUNTS = `
  WITH written AS (
  INSERT INTO datalake.account AS target
    (account_id, account_balance, account_available, currency, eod_date, version, updated_at)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::date[], $6::bigint[], $7::timestamptz[])
  ON CONFLICT (account_id) DO UPDATE SET
    account_balance   = EXCLUDED.account_balance,
    account_available = EXCLUDED.account_available,
    currency          = EXCLUDED.currency,
    eod_date          = EXCLUDED.eod_date,
    version           = EXCLUDED.version,
    updated_at        = EXCLUDED.updated_at
  WHERE target.version < EXCLUDED.version
  RETURNING 1)
  SELECT count(*)::int AS applied FROM written`;

/**
 * Upserts `rows` (distinct accounts, at most SYNC_BATCH_ROWS_MAX). Returns how many rows were
 * inserted or updated; the others were already there at the same or a newer version.
 */
export async function upsertAccountRows(sql: SqlQuery, rows: readonly AccountRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (rows.length > SYNC_BATCH_ROWS_MAX) throw new Error(`invariant: a batch holds at most ${SYNC_BATCH_ROWS_MAX} rows, not ${rows.length}`);
  const accountIds = new Set<string>();
  for (const row of rows) {
    assertAccountRow(row);
    accountIds.add(row.accountId);
  }
  // Postgres refuses to update one row twice in a statement; the schedule never does it.
  if (accountIds.size !== rows.length) throw new Error("invariant: a batch holds each account once");
  const { rows: counted } = await sql.query<{ applied: number }>(UPSERT_ACCOUNTS, [
    rows.map((row) => row.accountId),
    // Strings, not numbers: exact whatever the driver does with large numbers.
    rows.map((row) => String(row.balanceMinor)),
    rows.map((row) => (row.availableMinor === null ? null : String(row.availableMinor))),
    rows.map((row) => row.currency),
    rows.map((row) => row.eodDate),
    rows.map((row) => String(row.version)),
    rows.map((row) => new Date(row.updatedAtMs).toISOString()),
  ]);
  if (counted[0] === undefined) throw new Error("invariant: the upsert returned no count");
  return Number(counted[0].applied);
}
