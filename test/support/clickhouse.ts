/** The real ClickHouse for integration tests: started by the project's script, a database per test file. */
import { ClickHouseConnection } from "../../src/adapters/clickhouse/connection.ts";
import { quoteIdentifier } from "../../src/adapters/clickhouse/sql.ts";
import { ensureServices } from "./services.ts";

export const CLICKHOUSE_URL = "http://127.0.0.1:8123";

/** A database name no other test run uses. */
export function testDatabaseName(): string {
  return `test_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** Starts ClickHouse if needed (installing it on a fresh machine) and connects. */
export function openTestConnection(): ClickHouseConnection {
  ensureServices("clickhouse");
  return new ClickHouseConnection({ url: CLICKHOUSE_URL });
}

export async function dropTestDatabase(connection: ClickHouseConnection, database: string): Promise<void> {
  await connection.command(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
  await connection.close();
}

/** Rows of a SELECT, or the failure thrown. */
export async function selectRows<Row>(connection: ClickHouseConnection, sql: string): Promise<Row[]> {
  const result = await connection.selectJsonEachRow<Row>(sql);
  if (!result.ok) throw new Error(result.failure.message);
  return result.value;
}
