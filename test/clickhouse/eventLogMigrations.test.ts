/**
 * The event log's ClickHouse migrations on the real server: a table of the first layout (monthly
 * partitions, no figures, as engines before numbered migrations made it) is rebuilt into the
 * current one with its rows kept; running the migrations again changes nothing.
 */
import { afterAll, expect, test } from "bun:test";
import { CLICKHOUSE_MIGRATIONS, migrateEventLog } from "../../src/adapters/clickhouse/eventLogMigrations.ts";
import { createDatabaseSql, eventsTableOf } from "../../src/adapters/clickhouse/eventSchema.ts";
import { quoteString } from "../../src/adapters/clickhouse/sql.ts";
import { dropTestDatabase, openTestConnection, selectRows, testDatabaseName } from "../support/clickhouse.ts";

const database = testDatabaseName();
const connection = openTestConnection();
afterAll(() => dropTestDatabase(connection, database));

test("a first-layout table is rebuilt by day and ordered by (account_id, at_ms), its rows kept; a second run does nothing", async () => {
  expect((await connection.command(createDatabaseSql(database))).ok).toBe(true);
  for (const statement of CLICKHOUSE_MIGRATIONS[0]!.statements(database)) expect((await connection.command(statement)).ok).toBe(true);
  const old = await connection.insertJsonEachRow(eventsTableOf(database), [1, 2, 3].map((i) => ({
    at_ms: 1_795_000_000_000 + i * 86_400_000, account_id: "M1", message_id: `m-${i}`, type: "TRANSACTION", event_type: "TRANSACTION_CREATED",
    transaction_id: `t-${i}`, facility_id: "", amount_minor: "100", currency: "USD", booking_date: "2026-11-22", as_of_date: "",
    message_epoch_s: "1795000000", message_nanos: 0, outcome: "applied", reason: "", source_kind: "http", source_topic: "",
    source_partition: -1, source_offset: "-1",
  })));
  expect(old.ok).toBe(true);

  const ran = await migrateEventLog(connection, database);
  expect(ran).toEqual({ ok: true, value: [1, 2] });
  const [table] = await selectRows<{ partition_key: string; sorting_key: string }>(connection,
    `SELECT partition_key, sorting_key FROM system.tables WHERE database = ${quoteString(database)} AND name = 'transaction_events'`);
  expect(table).toEqual({ partition_key: "toYYYYMMDD(at)", sorting_key: "account_id, at_ms" });
  const rows = await selectRows<{ message_id: string; has_figures: number; seq: string }>(connection,
    `SELECT message_id, has_figures, toString(seq) AS seq FROM ${eventsTableOf(database)} ORDER BY at_ms`);
  expect(rows).toEqual(["m-1", "m-2", "m-3"].map((message_id) => ({ message_id, has_figures: 0, seq: "0" })));
  const leftovers = await selectRows<{ name: string }>(connection, `SELECT name FROM system.tables WHERE database = ${quoteString(database)} ORDER BY name`);
  expect(leftovers.map((row) => row.name)).toEqual(["schema_migrations", "transaction_events"]);

  expect(await migrateEventLog(connection, database)).toEqual({ ok: true, value: [] });
  expect((await selectRows(connection, `SELECT 1 FROM ${eventsTableOf(database)}`)).length).toBe(3);
});
