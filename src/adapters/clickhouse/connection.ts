/**
 * The ClickHouse HTTP interface, as the event log and the velocity reader need it: run a
 * statement, insert rows, select rows. Failures come back as values, sorted into "unreachable"
 * (retry later, answer 503) and "server" (the server answered with an exception).
 *
 * Built on @clickhouse/client 1.x, which works against ClickHouse 18.16 for what is used here
 * (plain queries, JSONEachRow in and out). Two things it cannot do with 18.16: `query_params`
 * (the server answers "Unknown setting param_x", so literals go through clickhouseSql.ts), and
 * recognising 18.16's error text as a ClickHouseError (so `failureOf` reads the code itself).
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";

/** Longest a single request may take before it counts as unreachable. */
export const CLICKHOUSE_REQUEST_TIMEOUT_MS_DEFAULT = 10_000;
/** Sockets the client may hold open to the server. */
export const CLICKHOUSE_CONNECTIONS_MAX_DEFAULT = 4;

/** Server error codes that mean the schema is not there (yet): UNKNOWN_TABLE, UNKNOWN_DATABASE. */
export const CLICKHOUSE_SCHEMA_MISSING_CODES: ReadonlySet<number> = new Set([60, 81]);

export interface ClickHouseFailure {
  readonly kind: "unreachable" | "server";
  /** The server's error code (`Code: 60, ...`), when it answered with one. */
  readonly code: number | null;
  readonly message: string;
}

export type ClickHouseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: ClickHouseFailure };

export interface ClickHouseConnectionOptions {
  /** e.g. http://127.0.0.1:8123 (user and password may be in the URL). */
  readonly url: string;
  readonly requestTimeoutMs?: number;
  readonly connectionsMax?: number;
}

export class ClickHouseConnection {
  private readonly client: ClickHouseClient;

  constructor(options: ClickHouseConnectionOptions) {
    this.client = createClient({
      url: options.url,
      request_timeout: options.requestTimeoutMs ?? CLICKHOUSE_REQUEST_TIMEOUT_MS_DEFAULT,
      max_open_connections: options.connectionsMax ?? CLICKHOUSE_CONNECTIONS_MAX_DEFAULT,
      // Failures are returned as values and logged by the caller, once per outage, not per request.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /** A statement without a result (DDL). */
  command(sql: string): Promise<ClickHouseResult<void>> {
    return attempt(async () => {
      await this.client.command({ query: sql });
    });
  }

  /** `INSERT INTO table FORMAT JSONEachRow`; `table` is trusted text from quoteIdentifier. */
  insertJsonEachRow<Row extends object>(table: string, rows: readonly Row[]): Promise<ClickHouseResult<void>> {
    return attempt(async () => {
      await this.client.insert({ table, values: rows as Row[], format: "JSONEachRow" });
    });
  }

  /** The rows of a SELECT, as JSON objects (64-bit integers arrive as strings in 18.16). */
  selectJsonEachRow<Row>(sql: string): Promise<ClickHouseResult<Row[]>> {
    return attempt(async () => {
      const result = await this.client.query({ query: sql, format: "JSONEachRow" });
      return result.json<Row>();
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

async function attempt<T>(run: () => Promise<T>): Promise<ClickHouseResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, failure: failureOf(error) };
  }
}

/** A server exception starts with `Code: N` (18.16 and later alike); anything else is the network. */
export function failureOf(error: unknown): ClickHouseFailure {
  const message = error instanceof Error ? error.message : String(error);
  const code = /^Code: (\d+)/.exec(message.trimStart());
  if (code === null) return { kind: "unreachable", code: null, message };
  return { kind: "server", code: Number(code[1]), message: message.trim() };
}
