/** The SQL store: the Postgres server with DATABASE_URL, else the embedded store (PGlite). */
import { openEmbeddedStore } from "../../adapters/postgres/embeddedStore.ts";
import { openPostgresClient } from "../../adapters/postgres/postgresClient.ts";
import type { SqlClient } from "../../adapters/postgres/sqlClient.ts";
import type { Config } from "../../config.ts";
import type { Logger } from "../../observability/log.ts";

export async function openStore(config: Config, log: Logger): Promise<SqlClient & { close(): Promise<void> }> {
  if (config.DATABASE_URL === "") return openEmbeddedStore(config.PGLITE_DIR);
  return openPostgresClient(config.DATABASE_URL, { onConnectionError: (error) => log.warn("postgres_error", { error: String(error) }) });
}
