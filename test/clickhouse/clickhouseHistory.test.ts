/** The history rules with the event log in the real ClickHouse (a database of this file's own). */
import { afterAll } from "bun:test";
import { startEngineUnderTest } from "../support/engineUnderTest.ts";
import { describeHistoryRules } from "../history/historyRules.ts";
import { CLICKHOUSE_URL, dropTestDatabase, openTestConnection, testDatabaseName } from "../support/clickhouse.ts";

const database = testDatabaseName();
const connection = openTestConnection();
afterAll(() => dropTestDatabase(connection, database));

describeHistoryRules("ClickHouse", () => startEngineUnderTest({ CLICKHOUSE_URL, CLICKHOUSE_DATABASE: database, EVENT_LOG_FLUSH_MS: "10" }));
