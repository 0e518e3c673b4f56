/**
 * Numbered migrations of the event log's ClickHouse schema, recorded in `schema_migrations` of the
 * same database, as the Postgres ones are in theirs. ClickHouse has no transactions, so each
 * migration is a list of statements written to be run again after a crash at any point, and may
 * say how to tell it is already done. A new one is appended here; one that has run is never edited.
 *
 * 002 rebuilds the table: 18.16 cannot change a table's partitioning in place. Rows other
 * instances insert into the old table while it copies are lost, so run it (start the first engine
 * of a new version) with the others stopped; at billions of rows, copy by partition beforehand.
 */
import type { ClickHouseConnection, ClickHouseResult } from "./connection.ts";
import { createDatabaseSql, createEventsTableSql, eventsTableOf, FIRST_LAYOUT_COLUMNS, TRANSACTION_EVENTS_TABLE } from "./eventSchema.ts";
import { quoteIdentifier, quoteString, sqlInteger } from "./sql.ts";

export interface ClickHouseMigration {
  readonly version: number;
  readonly name: string;
  /** A SELECT of one row `done`: '1' when the schema already has what the migration makes. */
  readonly doneSql?: (database: string) => string;
  readonly statements: (database: string) => string[];
}

const STAGING = "transaction_events_staging";
const RETIRED = "transaction_events_retired";

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1, name: "transaction_events",
    // The first layout, as engines before numbered migrations created it (monthly partitions).
    statements: (db) => [`CREATE TABLE IF NOT EXISTS ${eventsTableOf(db)} (
      at DateTime MATERIALIZED toDateTime(intDiv(at_ms, 1000)), at_ms UInt64, account_id String, message_id String,
      type String, event_type String, transaction_id String, facility_id String, amount_minor Int64, currency String,
      booking_date String, as_of_date String, message_epoch_s Int64, message_nanos UInt32, outcome String, reason String,
      source_kind String, source_topic String, source_partition Int32, source_offset Int64
    ) ENGINE = MergeTree() PARTITION BY toYYYYMM(at) ORDER BY (account_id, at)`],
  },
  {
    version: 2, name: "transaction_events_by_day_with_figures",
    doneSql: (db) => `SELECT toString(count()) AS done FROM system.columns
      WHERE database = ${quoteString(db)} AND table = ${quoteString(TRANSACTION_EVENTS_TABLE)} AND name = 'has_figures'`,
    statements: (db) => {
      const columns = FIRST_LAYOUT_COLUMNS.join(", ");
      return [
        `DROP TABLE IF EXISTS ${eventsTableOf(db, RETIRED)}`,
        `DROP TABLE IF EXISTS ${eventsTableOf(db, STAGING)}`,
        // Frozen with this migration: when the layout changes again, copy its text here first.
        createEventsTableSql(db, STAGING),
        `INSERT INTO ${eventsTableOf(db, STAGING)} (${columns}) SELECT ${columns} FROM ${eventsTableOf(db)}`,
        `RENAME TABLE ${eventsTableOf(db)} TO ${eventsTableOf(db, RETIRED)}, ${eventsTableOf(db, STAGING)} TO ${eventsTableOf(db)}`,
        `DROP TABLE ${eventsTableOf(db, RETIRED)}`,
      ];
    },
  },
];

type Connection = Pick<ClickHouseConnection, "command" | "selectJsonEachRow">;

/**
 * Creates the database, runs the migrations not yet recorded, then creates the current layout if
 * the table is missing (someone dropped it: the recorded migrations do not run again).
 */
export async function migrateEventLog(connection: Connection, database: string): Promise<ClickHouseResult<number[]>> {
  const migrations = `${quoteIdentifier(database)}.${quoteIdentifier("schema_migrations")}`;
  for (const sql of [
    createDatabaseSql(database),
    `CREATE TABLE IF NOT EXISTS ${migrations} (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree() ORDER BY version`,
  ]) {
    const done = await connection.command(sql);
    if (!done.ok) return done;
  }
  const recorded = await connection.selectJsonEachRow<{ version: number }>(`SELECT version FROM ${migrations}`);
  if (!recorded.ok) return recorded;
  const applied = new Set(recorded.value.map((row) => Number(row.version)));
  const ran: number[] = [];
  for (const migration of CLICKHOUSE_MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    const result = await runMigration(connection, database, migration);
    if (!result.ok) return result;
    const record = await connection.command(
      `INSERT INTO ${migrations} (version, name) VALUES (${sqlInteger(migration.version)}, ${quoteString(migration.name)})`,
    );
    if (!record.ok) return record;
    ran.push(migration.version);
  }
  const table = await connection.command(createEventsTableSql(database));
  return table.ok ? { ok: true, value: ran } : table;
}

async function runMigration(connection: Connection, database: string, migration: ClickHouseMigration): Promise<ClickHouseResult<void>> {
  if (migration.doneSql !== undefined) {
    const done = await connection.selectJsonEachRow<{ done: string }>(migration.doneSql(database));
    if (!done.ok) return done;
    if (done.value[0]?.done !== "0") return { ok: true, value: undefined };
  }
  for (const statement of migration.statements(database)) {
    const result = await connection.command(statement);
    if (!result.ok) return result;
  }
  return { ok: true, value: undefined };
}
