/**
 * What the SQL adapters need from a database: run a parameterized statement, and run several in
 * one transaction. PGlite (embedded, real Postgres in-process) and `pg` (a Postgres server) both
 * fit, so the adapters speak one dialect whichever is behind them.
 */
export interface SqlQuery {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlQuery {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (sql: SqlQuery) => Promise<T>): Promise<T>;
}

/** A BIGINT column arrives as a string (pg), a bigint or a number (PGlite); all must be exact. */
export function minorFromColumn(value: unknown): number {
  const minor = typeof value === "string" ? Number(value) : typeof value === "bigint" ? Number(value) : value;
  if (typeof minor !== "number" || !Number.isSafeInteger(minor)) {
    throw new Error(`invariant: ${String(value)} is not an exact minor-unit amount`);
  }
  return minor;
}
