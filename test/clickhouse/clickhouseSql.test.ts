/** Query text is built in one place, clickhouseSql.ts; hostile strings must round-trip through the real server. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ProcessedMessage } from "../../src/runtime/ports.ts";
import { ClickHouseConnection } from "../../src/adapters/clickhouse/connection.ts";
import { ClickHouseEventLog } from "../../src/adapters/clickhouse/eventLog.ts";
import { eventsTableOf } from "../../src/adapters/clickhouse/eventSchema.ts";
import { isPlainIdentifier, quoteIdentifier, quoteString, sqlInteger } from "../../src/adapters/clickhouse/sql.ts";
import { dropTestDatabase, openTestConnection, selectRows, testDatabaseName } from "../support/clickhouse.ts";

// ---- real ClickHouse, a fresh database for this file ----
const database = testDatabaseName();
let connection: ClickHouseConnection;

beforeAll(async () => {
  connection = openTestConnection();
}, 300_000);

afterAll(() => dropTestDatabase(connection, database));

const selectOk = <Row>(sql: string) => selectRows<Row>(connection, sql);

const HOSTILE = [
  "plain",
  "",
  "it's",
  "''",
  "\\",
  "\\'",
  "'\\",
  "\\\\'",
  "x' OR '1'='1",
  "'; DROP DATABASE default; --",
  "a\nb\r\nc\td",
  "nul\0byte",
  "\u0001\u001f\u007f",
  "`backtick` \"double\"",
  "{name:String} ? $1 %s",
  "é ü ß 中文 العربية עברית",
  "e\u0301 (combining)",
  "😀👩‍👩‍👧 emoji",
  "line\u2028sep\u2029para",
  "\\x41\\u0041\\N",
  "/* comment */ -- comment",
];

describe("quoteString", () => {
  test("escapes backslash and quote (and control characters) inside single quotes", () => {
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString("a\\b")).toBe("'a\\\\b'");
    expect(quoteString("\\'")).toBe("'\\\\\\''");
    expect(quoteString("a\nb\0")).toBe("'a\\nb\\0'");
  });

  test("every hostile string round-trips through the server as a literal", async () => {
    for (const value of HOSTILE) {
      const [row] = await selectOk<{ v: string; n: string }>(`SELECT ${quoteString(value)} AS v, toString(length(v)) AS n`);
      expect(row!.v).toBe(value);
      expect(Number(row!.n)).toBe(new TextEncoder().encode(value).length);
    }
  });

  test("a lone surrogate becomes U+FFFD, as stored values do", async () => {
    const [row] = await selectOk<{ v: string }>(`SELECT ${quoteString("a\ud800b")} AS v`);
    expect(row!.v).toBe("a\ufffdb");
  });
});

describe("sqlInteger and quoteIdentifier", () => {
  test("only safe integers become integer literals", () => {
    expect(sqlInteger(0)).toBe("0");
    expect(sqlInteger(-9007199254740991)).toBe("-9007199254740991");
    for (const bad of [1.5, Number.NaN, Infinity, 2 ** 53, "1" as unknown as number]) expect(() => sqlInteger(bad)).toThrow();
  });

  test("only plain names are identifiers", () => {
    expect(quoteIdentifier("test_db1")).toBe("`test_db1`");
    for (const bad of ["", "1db", "a-b", "a`b", "a.b", "db; DROP", "a b", "x".repeat(64)]) {
      expect(isPlainIdentifier(bad)).toBe(false);
      expect(() => quoteIdentifier(bad)).toThrow();
    }
  });
});

describe("hostile ids through the event log and back", () => {
  test("a row stored with a hostile account id is found again by a quoted literal", async () => {
    const log = new ClickHouseEventLog({ connection, database, bufferRowsMax: 1000, flushIntervalMs: 1000 });
    const ids = [...HOSTILE.filter((value) => value !== ""), "lone\ud83dhalf"];
    ids.forEach((id, index) => log.record(invalidEvent(id, `msg-${index}-${id}`)));
    expect(await log.flush()).toEqual({ ok: true });

    for (const [index, id] of ids.entries()) {
      const rows = await selectOk<{ message_id: string }>(
        `SELECT message_id FROM ${eventsTableOf(database)} WHERE account_id = ${quoteString(id)}`,
      );
      expect(rows).toEqual([{ message_id: `msg-${index}-${id}`.toWellFormed() }]);
    }
  });
});

function invalidEvent(accountId: string, messageId: string): ProcessedMessage {
  return { atMs: Date.now(), source: { kind: "http" }, outcome: "dead_lettered", reason: "invalid_schema", accountId, messageId };
}
