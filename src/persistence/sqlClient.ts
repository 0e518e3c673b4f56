/**
 * The one thing the SQL adapters need from a database: run a parameterized statement.
 * PGlite (embedded, real Postgres in-process) and `pg` (a Postgres server) both fit, so the
 * adapters speak one dialect whichever is behind them.
 */
export interface SqlClient {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

/** A BIGINT column arrives as a string (pg), a bigint or a number (PGlite); all must be exact. */
export function minorFromColumn(value: unknown): number {
  const minor = typeof value === "string" ? Number(value) : typeof value === "bigint" ? Number(value) : value;
  if (typeof minor !== "number" || !Number.isSafeInteger(minor)) {
    throw new Error(`invariant: ${String(value)} is not an exact minor-unit amount`);
  }
  return minor;
}
