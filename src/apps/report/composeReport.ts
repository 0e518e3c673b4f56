/**
 * The report role's composition root: what the EOD report reads, from the config. The account
 * list is the Postgres copy (DATABASE_URL, or an embedded engine's PGLITE_DIR while that engine is
 * stopped: PGlite is one process's); the closes come from the event log (CLICKHOUSE_URL, or the
 * same embedded store). Never the engine's memory, so the report runs anywhere.
 */
import { ClickHouseConnection } from "../../adapters/clickhouse/connection.ts";
import { ClickHouseDayCloseReader } from "../../adapters/clickhouse/dayCloseReader.ts";
import { AccountCopyLister } from "../../adapters/postgres/accountCopyLister.ts";
import { openEmbeddedStore } from "../../adapters/postgres/embeddedStore.ts";
import { openPostgresClient } from "../../adapters/postgres/postgresClient.ts";
import { SqlDayCloseReader } from "../../adapters/postgres/sqlDayCloseReader.ts";
import type { Config } from "../../config.ts";
import type { Logger } from "../../observability/log.ts";
import type { AccountLister, DayCloseReader } from "../../runtime/ports.ts";

export interface ReportSources {
  readonly accounts: AccountLister;
  readonly closes: DayCloseReader;
  close(): Promise<void>;
}

export type ReportSourcesResult =
  | { readonly ok: true; readonly sources: ReportSources }
  | { readonly ok: false; readonly reason: "not_configured" | "store_unavailable"; readonly error: string };

export async function openReportSources(config: Config, log: Logger): Promise<ReportSourcesResult> {
  if (config.DATABASE_URL === "" && config.PGLITE_DIR === "") {
    return { ok: false, reason: "not_configured", error: "DATABASE_URL or PGLITE_DIR: the report reads the accounts from a store another process can open (an in-memory embedded store is the engine's alone)" };
  }
  if (config.DATABASE_URL !== "" && config.CLICKHOUSE_URL === "") {
    return { ok: false, reason: "not_configured", error: "CLICKHOUSE_URL: with DATABASE_URL the event log is in ClickHouse (an engine on Postgres keeps none without it)" };
  }
  let store: Awaited<ReturnType<typeof openPostgresClient>>;
  try {
    store = config.DATABASE_URL !== ""
      ? await openPostgresClient(config.DATABASE_URL, { onConnectionError: (error) => log.warn("postgres_error", { error: String(error) }) })
      : await openEmbeddedStore(config.PGLITE_DIR);
  } catch (error) {
    return { ok: false, reason: "store_unavailable", error: `the store does not open: ${error instanceof Error ? error.message : String(error)}` };
  }
  const connection = config.CLICKHOUSE_URL === "" ? null : new ClickHouseConnection({ url: config.CLICKHOUSE_URL });
  const closes = connection === null ? new SqlDayCloseReader(store, log) : new ClickHouseDayCloseReader(connection, config.CLICKHOUSE_DATABASE, log);
  return {
    ok: true,
    sources: {
      accounts: new AccountCopyLister(store), closes,
      async close() {
        await connection?.close();
        await store.close();
      },
    },
  };
}
