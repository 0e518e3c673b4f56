/**
 * Numbered migrations, the same SQL on PGlite and Postgres. Each runs once, in order, in its own
 * transaction, and is recorded in `public.schema_migrations`; a new one is a new numbered file
 * added to the list below (never an edit of one that has run).
 */
import m001 from "./migrations/001_facility_and_account.sql" with { type: "text" };
import m002 from "./migrations/002_account_state_origin.sql" with { type: "text" };
import m003 from "./migrations/003_audit_events.sql" with { type: "text" };
import m004 from "./migrations/004_event_log.sql" with { type: "text" };
import m005 from "./migrations/005_ledger.sql" with { type: "text" };
import type { SqlClient } from "./sqlClient.ts";

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "facility_and_account", sql: m001 },
  { version: 2, name: "account_state_origin", sql: m002 },
  { version: 3, name: "audit_events", sql: m003 },
  { version: 4, name: "event_log", sql: m004 },
  { version: 5, name: "ledger", sql: m005 },
];

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS public.schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Runs the migrations not yet applied. Callers serialize concurrent starts (an advisory lock on Postgres). */
export async function migrate(sql: SqlClient): Promise<number[]> {
  await sql.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await sql.query<{ version: number }>("SELECT version FROM public.schema_migrations");
  const applied = new Set(rows.map((row) => Number(row.version)));
  const ran: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await sql.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO public.schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
    });
    ran.push(migration.version);
  }
  return ran;
}
