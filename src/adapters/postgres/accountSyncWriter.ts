/** Writes a batch of account rows to `datalake.account` in one statement, through any SqlQuery. */
import type { AccountRow } from "../../runtime/ports.ts";
import { assertAccountRow, SYNC_BATCH_ROWS_MAX } from "./accountSyncSchedule.ts";
import type { SqlQuery } from "./sqlClient.ts";

// One statement whatever the batch size: the columns go as arrays and unnest turns them into
// rows. The WHERE keeps the newest state, ordered by (origin, version) as isOlderRow is: a late
// or repeated write (a retry, a zombie instance that lost the partition) never puts an older
// balance over a newer one, and a state rebuilt after a restart (versions from 1 again, a later
// origin) replaces the old one. `refused` counts the rows the table already held a newer state
// of: it reads the table as it was before the insert (a data-modifying CTE's main query sees the
// snapshot the statement started with). Equal states are neither written nor refused.
// The counts come back as one row, not one row per account.
const UPSERT_ACCOUNTS = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::date[], $6::bigint[], $7::timestamptz[], $8::bigint[])
      AS i(account_id, account_balance, account_available, currency, eod_date, version, updated_at, state_origin_ms)
  ), written AS (
    INSERT INTO datalake.account AS target
      (account_id, account_balance, account_available, currency, eod_date, version, updated_at, state_origin_ms)
    SELECT account_id, account_balance, account_available, currency, eod_date, version, updated_at, state_origin_ms FROM input
    ON CONFLICT (account_id) DO UPDATE SET
      account_balance   = EXCLUDED.account_balance,
      account_available = EXCLUDED.account_available,
      currency          = EXCLUDED.currency,
      eod_date          = EXCLUDED.eod_date,
      version           = EXCLUDED.version,
      updated_at        = EXCLUDED.updated_at,
      state_origin_ms   = EXCLUDED.state_origin_ms
    WHERE (target.state_origin_ms, target.version) < (EXCLUDED.state_origin_ms, EXCLUDED.version)
    RETURNING 1)
  SELECT
    (SELECT count(*) FROM written)::int AS applied,
    (SELECT count(*) FROM input JOIN datalake.account AS stored USING (account_id)
      WHERE (stored.state_origin_ms, stored.version) > (input.state_origin_ms, input.version))::int AS refused`;

export interface UpsertCounts {
  /** Rows inserted or updated. */
  readonly applied: number;
  /** Rows not written because the table holds a newer state of the account. */
  readonly refused: number;
}

/** Upserts `rows` (distinct accounts, at most SYNC_BATCH_ROWS_MAX). */
export async function upsertAccountRows(sql: SqlQuery, rows: readonly AccountRow[]): Promise<UpsertCounts> {
  if (rows.length === 0) return { applied: 0, refused: 0 };
  if (rows.length > SYNC_BATCH_ROWS_MAX) throw new Error(`invariant: a batch holds at most ${SYNC_BATCH_ROWS_MAX} rows, not ${rows.length}`);
  const accountIds = new Set<string>();
  for (const row of rows) {
    assertAccountRow(row);
    accountIds.add(row.accountId);
  }
  // Postgres refuses to update one row twice in a statement; the schedule never does it.
  if (accountIds.size !== rows.length) throw new Error("invariant: a batch holds each account once");
  const { rows: counted } = await sql.query<{ applied: number; refused: number }>(UPSERT_ACCOUNTS, [
    rows.map((row) => row.accountId),
    // Strings, not numbers: exact whatever the driver does with large numbers.
    rows.map((row) => String(row.balanceMinor)),
    rows.map((row) => (row.availableMinor === null ? null : String(row.availableMinor))),
    rows.map((row) => row.currency),
    rows.map((row) => row.eodDate),
    rows.map((row) => String(row.version)),
    rows.map((row) => new Date(row.updatedAtMs).toISOString()),
    rows.map((row) => String(row.originMs)),
  ]);
  if (counted[0] === undefined) throw new Error("invariant: the upsert returned no count");
  return { applied: Number(counted[0].applied), refused: Number(counted[0].refused) };
}
