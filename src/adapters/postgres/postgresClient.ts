/**
 * A PostgreSQL server (DATABASE_URL) as a SqlClient: a bounded `pg` pool whose statements and
 * connection attempts all time out, so a slow or unreachable server shows up as an error value
 * for the caller (the sync retries), never as a hang.
 */
import pg from "pg";
import { migrate } from "./migrations.ts";
import type { SqlClient, SqlQuery } from "./sqlClient.ts";

/** Connections one engine process holds at most. */
export const POSTGRES_POOL_SIZE_MAX = 4;
/** Longest a statement may run on the server. */
export const POSTGRES_STATEMENT_TIMEOUT_MS = 30_000;
/** Longest to wait for a connection (a server that is down fails fast). */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;
/** Idle connections are closed after this. */
export const POSTGRES_IDLE_TIMEOUT_MS = 30_000;
// Client-side bound above the server's, for a server that stopped answering altogether.
const QUERY_TIMEOUT_MARGIN_MS = 5_000;
// Serializes the migrations of several engine processes starting at once (CREATE … IF NOT
// EXISTS is not safe when run concurrently). Any constant works; its hex spells "balance" (above
// 2^53, so the number is the nearest double: still one constant shared by every instance).
const MIGRATION_LOCK_KEY = 0x62616c616e6365;

const INT8_OID = 20;
const DATE_OID = 1082;

export interface PostgresClient extends SqlClient {
  close(): Promise<void>;
}

export interface PostgresClientOptions {
  readonly poolSizeMax?: number;
  readonly statementTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** An idle pooled connection broke (server restart, terminated backend); the pool replaces it. */
  readonly onConnectionError?: (error: Error) => void;
}

/** Opens a pool on `databaseUrl` and creates the tables (same migrations as the embedded store). */
export async function openPostgresClient(databaseUrl: string, options: PostgresClientOptions = {}): Promise<PostgresClient> {
  const client = createPostgresClient(databaseUrl, options);
  try {
    await migrateLocked(client.pool);
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

/** The pool without migrations (they need a reachable server; `openPostgresClient` runs them). */
export function createPostgresClient(databaseUrl: string, options: PostgresClientOptions = {}): PostgresClient & { readonly pool: pg.Pool } {
  const statementTimeoutMs = options.statementTimeoutMs ?? POSTGRES_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSizeMax ?? POSTGRES_POOL_SIZE_MAX,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
    connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: POSTGRES_IDLE_TIMEOUT_MS,
    keepAlive: true,
    application_name: "balance-engine",
    types: { getTypeParser: exactTypeParser as typeof pg.types.getTypeParser },
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on("error", (error) => options.onConnectionError?.(error));
  let closed = false;
  return {
    pool,
    ...queriesOf(pool),
    transaction: (work) => inTransaction(pool, work),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * BIGINT stays text (minorFromColumn makes it an exact number or fails), whatever pg's global
 * defaults say; DATE stays 'YYYY-MM-DD' instead of a Date at local midnight.
 */
function exactTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
  if (oid === INT8_OID || oid === DATE_OID) return (value: string) => value;
  return format === "binary" ? pg.types.getTypeParser(oid, "binary") : pg.types.getTypeParser(oid, "text");
}

function queriesOf(db: pg.Pool | pg.PoolClient): SqlQuery {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => ({ rows: (await db.query(sql, params)).rows as Row[] }),
    // Without parameters pg uses the simple protocol, which runs a script of several statements.
    exec: async (sql: string) => void (await db.query(sql)),
  };
}

/** One pooled connection for the whole transaction; a connection that failed is not reused. */
async function inTransaction<T>(pool: pg.Pool, work: (sql: SqlQuery) => Promise<T>): Promise<T> {
  const connection = await pool.connect();
  let failed = false;
  try {
    return await withinConnection(connection, work);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    connection.release(failed);
  }
}

async function migrateLocked(pool: pg.Pool): Promise<void> {
  const connection = await pool.connect();
  try {
    await connection.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      const locked = queriesOf(connection);
      await migrate({ ...locked, transaction: (work) => withinConnection(connection, work) });
    } finally {
      await connection.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    connection.release();
  }
}

/** A transaction on a connection already held; ROLLBACK on any failure. */
async function withinConnection<T>(connection: pg.PoolClient, work: (sql: SqlQuery) => Promise<T>): Promise<T> {
  await connection.query("BEGIN");
  try {
    const result = await work(queriesOf(connection));
    await connection.query("COMMIT");
    return result;
  } catch (error) {
    await connection.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
