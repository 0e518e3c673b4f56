/** The embedded store: PGlite, real Postgres compiled to WASM, in this process. No server needed. */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { migrate } from "./migrations.ts";
import type { SqlClient, SqlQuery } from "./sqlClient.ts";

export interface EmbeddedStore extends SqlClient {
  close(): Promise<void>;
}

/** Opens the store in `directory`, or in memory when it is empty, and creates the tables. */
export async function openEmbeddedStore(directory: string): Promise<EmbeddedStore> {
  const db = directory === "" ? new PGlite() : new PGlite(directory);
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
