/** The event log: every recorded event reaches `transaction_events`; the buffer is bounded; failures keep the rows. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TransactionMessage, EodBalanceMessage } from "../../src/domain/account/messages.ts";
import type { ProcessedMessage } from "../../src/runtime/ports.ts";
import { ClickHouseConnection } from "../../src/adapters/clickhouse/connection.ts";
import { ClickHouseEventLog, type ClickHouseEventLogOptions, type EventLogDropReason } from "../../src/adapters/clickhouse/eventLog.ts";
import { eventsTableOf, FIRST_LAYOUT_COLUMNS } from "../../src/adapters/clickhouse/eventSchema.ts";
import { quoteString } from "../../src/adapters/clickhouse/sql.ts";
import { CLICKHOUSE_URL, dropTestDatabase, openTestConnection, selectRows, testDatabaseName } from "../support/clickhouse.ts";

// ---- real ClickHouse, a fresh database for this file ----
const database = testDatabaseName();
const table = eventsTableOf(database);
let connection: ClickHouseConnection;

beforeAll(async () => {
  connection = openTestConnection();
}, 300_000);

afterAll(() => dropTestDatabase(connection, database));

const selectOk = <Row>(sql: string) => selectRows<Row>(connection, sql);

async function rowCount(accountId: string): Promise<number> {
  const [row] = await selectOk<{ n: string }>(`SELECT toString(count()) AS n FROM ${table} WHERE account_id = ${quoteString(accountId)}`);
  return Number(row!.n);
}

/** Polls with a generous bound: asynchronous delivery is checked for, never timed. */
async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function newLog(overrides: Partial<ClickHouseEventLogOptions> = {}): ClickHouseEventLog {
  return new ClickHouseEventLog({ connection, database, bufferRowsMax: 100_000, flushIntervalMs: 50, ...overrides });
}

const instant = { epochSeconds: 1_795_000_000, nanos: 120_000_000 };

function txnEvent(accountId: string, index: number, overrides: Partial<TransactionMessage> = {}): ProcessedMessage {
  const message: TransactionMessage = {
    type: "TRANSACTION", messageId: `m-${accountId}-${index}`, accountId, eventType: "TRANSACTION_CREATED",
    transactionId: `t-${accountId}-${index}`, amountMinor: 1000 + index, currency: "USD", bookingDate: "2026-11-22",
    timestamp: instant, ...overrides,
  };
  return { atMs: 1_795_000_000_000 + index, source: { kind: "http" }, outcome: "applied", message, messageId: message.messageId, accountId };
}

describe("every recorded event reaches transaction_events", () => {
  test("each kind of event is one row with its fields", async () => {
    const log = newLog();
    const removed: TransactionMessage = {
      type: "TRANSACTION", messageId: "m-1", accountId: "F1", eventType: "TRANSACTION_REMOVED", transactionId: "t-1",
      amountMinor: -9_007_199_254_740_991, currency: "USD", bookingDate: "2026-11-22", timestamp: instant,
    };
    const eod: EodBalanceMessage = {
      type: "EOD_BALANCE", messageId: "m-2", accountId: "F1", facilityId: "fac-9", balanceMinor: 100_000,
      currency: "USD", asOfDate: "2026-11-21", timestamp: { epochSeconds: -62_135_596_800, nanos: 0 },
    };
    const events: ProcessedMessage[] = [
      { atMs: 1_795_000_000_123, source: { kind: "kafka", topic: "bank.transactions", partition: 7, offset: "9007199254740993" }, outcome: "applied", message: removed, messageId: "m-1", accountId: "F1" },
      { atMs: 1_795_000_000_456, source: { kind: "http" }, outcome: "applied", reason: "facility_not_found", message: eod, messageId: "m-2", accountId: "F1" },
      { atMs: 1_795_000_000_789, source: { kind: "simulator" }, outcome: "dead_lettered", reason: "invalid_amount", messageId: "m-3", accountId: "F1" },
      { atMs: 1_795_000_000_999, source: { kind: "http" }, outcome: "dead_lettered", reason: "invalid_json" },
    ];
    for (const event of events) log.record(event);
    expect(await log.flush()).toEqual({ ok: true });

    const rows = await selectOk<Record<string, unknown>>(
      `SELECT ${FIRST_LAYOUT_COLUMNS.join(", ")}, toString(toUnixTimestamp(at)) AS at_s FROM ${table} WHERE at_ms BETWEEN 1795000000123 AND 1795000000999 ORDER BY at_ms`,
    );
    expect(rows).toEqual([
      {
        at_ms: "1795000000123", at_s: "1795000000", account_id: "F1", message_id: "m-1", type: "TRANSACTION",
        event_type: "TRANSACTION_REMOVED", transaction_id: "t-1", facility_id: "", amount_minor: "-9007199254740991",
        currency: "USD", booking_date: "2026-11-22", as_of_date: "", message_epoch_s: "1795000000", message_nanos: 120000000,
        outcome: "applied", reason: "", source_kind: "kafka", source_topic: "bank.transactions", source_partition: 7,
        source_offset: "9007199254740993",
      },
      {
        at_ms: "1795000000456", at_s: "1795000000", account_id: "F1", message_id: "m-2", type: "EOD_BALANCE",
        event_type: "", transaction_id: "", facility_id: "fac-9", amount_minor: "100000", currency: "USD",
        booking_date: "", as_of_date: "2026-11-21", message_epoch_s: "-62135596800", message_nanos: 0,
        outcome: "applied", reason: "facility_not_found", source_kind: "http", source_topic: "", source_partition: -1,
        source_offset: "-1",
      },
      {
        at_ms: "1795000000789", at_s: "1795000000", account_id: "F1", message_id: "m-3", type: "", event_type: "",
        transaction_id: "", facility_id: "", amount_minor: "0", currency: "", booking_date: "", as_of_date: "",
        message_epoch_s: "0", message_nanos: 0, outcome: "dead_lettered", reason: "invalid_amount", source_kind: "simulator",
        source_topic: "", source_partition: -1, source_offset: "-1",
      },
      {
        at_ms: "1795000000999", at_s: "1795000000", account_id: "", message_id: "", type: "", event_type: "",
        transaction_id: "", facility_id: "", amount_minor: "0", currency: "", booking_date: "", as_of_date: "",
        message_epoch_s: "0", message_nanos: 0, outcome: "dead_lettered", reason: "invalid_json", source_kind: "http",
        source_topic: "", source_partition: -1, source_offset: "-1",
      },
    ]);
    expect(log.stats()).toMatchObject({ buffered: 0, recordedTotal: 4, insertedTotal: 4, droppedTotal: 0 });
  });

  test("the background flusher delivers many batches in order without flush()", async () => {
    const log = newLog({ batchRowsMax: 1000 });
    log.start();
    const total = 2500;
    for (let i = 0; i < total; i++) log.record(txnEvent("BG", i));
    await eventually(async () => (await rowCount("BG")) === total, "all background rows");
    const [ids] = await selectOk<{ n: string }>(`SELECT toString(uniqExact(message_id)) AS n FROM ${table} WHERE account_id = 'BG'`);
    expect(ids!.n).toBe(String(total));
    expect(log.stats()).toMatchObject({ buffered: 0, insertedTotal: total, insertFailuresTotal: 0 });
    await log.stop();
  });

  test("the schema is created again when someone drops the table", async () => {
    const log = newLog();
    log.record(txnEvent("RECREATE", 1));
    expect(await log.flush()).toEqual({ ok: true });
    await connection.command(`DROP TABLE ${table}`);
    log.record(txnEvent("RECREATE", 2));
    const failed = await log.flush();
    expect(failed).toMatchObject({ ok: false, failure: { kind: "server", code: 60 }, buffered: 1 });
    expect(await log.flush()).toEqual({ ok: true });
    expect(await rowCount("RECREATE")).toBe(1);
  });
});

describe("the buffer is bounded", () => {
  test("past EVENT_LOG_BUFFER_MAX the newest events are dropped and counted; the kept ones are stored", async () => {
    const drops: [number, EventLogDropReason][] = [];
    const log = newLog({ bufferRowsMax: 5, onDropped: (count, reason) => drops.push([count, reason]) });
    for (let i = 0; i < 8; i++) log.record(txnEvent("BOUND", i));
    expect(log.stats()).toMatchObject({ buffered: 5, recordedTotal: 5, droppedTotal: 3 });
    expect(drops).toEqual([[1, "buffer_full"], [1, "buffer_full"], [1, "buffer_full"]]);
    expect(await log.flush()).toEqual({ ok: true });
    const rows = await selectOk<{ message_id: string }>(`SELECT message_id FROM ${table} WHERE account_id = 'BOUND' ORDER BY at_ms`);
    expect(rows.map((row) => row.message_id)).toEqual([0, 1, 2, 3, 4].map((i) => `m-BOUND-${i}`));
  });

  test("record never throws, even when the drop callback does, and drops after stop()", async () => {
    const log = newLog({ bufferRowsMax: 1, onDropped: () => { throw new Error("metric broke"); } });
    log.record(txnEvent("STOP", 0));
    expect(() => log.record(txnEvent("STOP", 1))).not.toThrow();
    expect(await log.stop()).toEqual({ ok: true });
    expect(() => log.record(txnEvent("STOP", 2))).not.toThrow();
    expect(log.stats()).toMatchObject({ droppedTotal: 2, insertedTotal: 1 });
    expect(await rowCount("STOP")).toBe(1);
  });
});

describe("a failed insert keeps its rows", () => {
  test("rows recorded while nothing listens are delivered once ClickHouse answers there", async () => {
    const port = freePort();
    const flaky = new ClickHouseConnection({ url: `http://127.0.0.1:${port}`, requestTimeoutMs: 5000 });
    const log = new ClickHouseEventLog({
      connection: flaky, database, bufferRowsMax: 1000, flushIntervalMs: 50, retryDelayMsMin: 10, retryDelayMsMax: 100,
    });
    for (let i = 0; i < 10; i++) log.record(txnEvent("RETRY", i));
    const first = await log.flush();
    expect(first).toMatchObject({ ok: false, failure: { kind: "unreachable" }, buffered: 10 });

    log.start();
    await eventually(() => log.stats().insertFailuresTotal >= 3, "retries while nothing listens");
    expect(log.stats()).toMatchObject({ buffered: 10, insertedTotal: 0 });

    const proxy = Bun.serve({ port, hostname: "127.0.0.1", fetch: forwardTo(CLICKHOUSE_URL) });
    try {
      // Rows are visible in the table a moment before the insert's answer reaches the log: wait for the log.
      await eventually(() => log.stats().insertedTotal === 10, "the kept rows to be inserted");
      expect(log.stats()).toMatchObject({ buffered: 0, droppedTotal: 0, failuresInARow: 0 });
      expect(await rowCount("RETRY")).toBe(10);
      await log.stop();
    } finally {
      await proxy.stop(true);
      await flaky.close();
    }
  });
});

/** A port that was free a moment ago (the OS just gave it out and it was released). */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

/** A plain HTTP forwarder to ClickHouse: "the server came back at the configured address". */
function forwardTo(target: string) {
  const hopHeaders = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const headers = new Headers();
    request.headers.forEach((value, key) => { if (!hopHeaders.has(key)) headers.set(key, value); });
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method, headers, body: hasBody ? await request.arrayBuffer() : undefined,
    });
    const responseHeaders = new Headers();
    upstream.headers.forEach((value, key) => { if (!hopHeaders.has(key) && key !== "content-encoding") responseHeaders.set(key, value); });
    return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers: responseHeaders });
  };
}
