/** The embedded store: PGlite, real Postgres compiled to WASM, in this process. No server needed. */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { embeddedTemplate } from "./embeddedTemplate.ts";
import { migrate } from "./migrations.ts";
import type { SqlClient, SqlQuery } from "./sqlClient.ts";

export interface EmbeddedStore extends SqlClient {
  close(): Promise<void>;
}

/**
 * Postgres's defaults size its buffer cache for a server (128 MB); in this process, over files
 * PGlite already keeps in memory (or the OS caches), 16 MB does: about 110 MiB less resident.
 */
const POSTGRES_SETTINGS = ["shared_buffers=16MB", "wal_buffers=1MB"];

/**
 * Opens the store in `directory`, or in memory when it is empty (from the initialized template,
 * when it can be had: see embeddedTemplate.ts), and creates the tables.
 */
export async function openEmbeddedStore(directory: string): Promise<EmbeddedStore> {
  const template = directory === "" ? await embeddedTemplate() : null;
  const db = directory !== "" ? new PGlite(directory, { postgresqlconf: POSTGRES_SETTINGS })
    : new PGlite({ postgresqlconf: POSTGRES_SETTINGS, ...(template === null ? {} : { loadDataDir: template }) });
  await db.waitReady;
  const store: EmbeddedStore = {
    ...queriesOf(db),
    transaction: (work) => db.transaction((tx) => work(queriesOf(tx))),
    close: () => db.close(),
  };
  await migrate(store);
  return store;
}

function queriesOf(db: PGlite | Transaction): SqlQuery {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => ({ rows: (await db.query<Row>(sql, params)).rows }),
    exec: async (sql: string) => void (await db.exec(sql)),
  };
}
