/** Velocity over 1 h / 24 h / 7 d from the event log, and GET /v1/accounts/:accountId/velocity. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import type { EodBalanceMessage, TransactionEventType, TransactionMessage } from "../../src/domain/account/messages.ts";
import type { Outcome } from "../../src/domain/reasons.ts";
import type { ProcessedMessage } from "../../src/runtime/ports.ts";
import { Access } from "../../src/http/auth/access.ts";
import { HttpError } from "../../src/http/httpError.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { LocalRateLimiter } from "../../src/runtime/localRateLimiter.ts";
import { velocityRoutes } from "../../src/http/routes/velocityRoutes.ts";
import type { VelocityReader } from "../../src/runtime/ports.ts";
import { ClickHouseConnection } from "../../src/adapters/clickhouse/connection.ts";
import { ClickHouseEventLog } from "../../src/adapters/clickhouse/eventLog.ts";
import { eventsTableOf } from "../../src/adapters/clickhouse/eventSchema.ts";
import { eventLogRowOf } from "../../src/runtime/eventLogRow.ts";
import { sqlInteger } from "../../src/adapters/clickhouse/sql.ts";
import { ClickHouseVelocityReader, VELOCITY_WINDOWS_MS } from "../../src/adapters/clickhouse/velocityReader.ts";
import { dropTestDatabase, openTestConnection, testDatabaseName } from "../support/clickhouse.ts";

// ---- real ClickHouse, a fresh database for this file ----
const database = testDatabaseName();
const table = eventsTableOf(database);
let connection: ClickHouseConnection;
let reader: ClickHouseVelocityReader;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The engine time every window ends at; the rows below sit at known distances before it. */
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

beforeAll(async () => {
  connection = openTestConnection();
  reader = new ClickHouseVelocityReader({ connection, database, now: () => NOW });

  const log = new ClickHouseEventLog({ connection, database, bufferRowsMax: 1000, flushIntervalMs: 1000 });
  for (const event of KNOWN_EVENTS) log.record(event);
  const flushed = await log.flush();
  if (!flushed.ok) throw new Error(flushed.failure.message);
}, 300_000);

afterAll(() => dropTestDatabase(connection, database));

let sequence = 0;
function txn(accountId: string, agoMs: number, eventType: TransactionEventType, amountMinor: number, outcome: Outcome = "applied", currency = "USD"): ProcessedMessage {
  const message: TransactionMessage = {
    type: "TRANSACTION", messageId: `m-${++sequence}`, accountId, eventType, transactionId: `t-${sequence}`,
    amountMinor, currency, bookingDate: "2026-11-22", timestamp: { epochSeconds: 1_795_000_000, nanos: 0 },
  };
  return { atMs: NOW - agoMs, source: { kind: "http" }, outcome, message, messageId: message.messageId, accountId };
}

function eod(accountId: string, agoMs: number, currency: string): ProcessedMessage {
  const message: EodBalanceMessage = {
    type: "EOD_BALANCE", messageId: `m-${++sequence}`, accountId, facilityId: "f", balanceMinor: 100_000, currency,
    asOfDate: "2026-11-21", timestamp: { epochSeconds: 1_795_000_000, nanos: 0 },
  };
  return { atMs: NOW - agoMs, source: { kind: "http" }, outcome: "applied", message, messageId: message.messageId, accountId };
}

const KNOWN_EVENTS: ProcessedMessage[] = [
  txn("V1", 10 * MINUTE, "TRANSACTION_CREATED", 10_000), //       1h 24h 7d
  txn("V1", 50 * MINUTE, "TRANSACTION_REMOVED", 3_000), //        1h 24h 7d  (subtracts)
  txn("V1", HOUR, "TRANSACTION_CREATED", 700), //                    24h 7d  (windows are (now - length, now])
  txn("V1", 2 * HOUR, "TRANSACTION_CREATED", 100_000), //            24h 7d
  txn("V1", 25 * HOUR, "TRANSACTION_CREATED", 555), //                   7d
  txn("V1", 6 * DAY, "TRANSACTION_REMOVED", 5), //                       7d
  txn("V1", 7 * DAY, "TRANSACTION_CREATED", 5_000), //                  none
  txn("V1", 8 * DAY, "TRANSACTION_CREATED", 99_900), //                 none
  txn("V1", -MINUTE, "TRANSACTION_CREATED", 100), //                    none (after now)
  txn("V1", 5 * MINUTE, "TRANSACTION_CREATED", 50_000, "dead_lettered"), // not applied
  txn("V1", 5 * MINUTE, "TRANSACTION_CREATED", 60_000, "duplicate"), //     not applied
  eod("V1", 3 * MINUTE, "USD"), //                                          not a transaction
  txn("V2", 5 * MINUTE, "TRANSACTION_CREATED", 10_000), //                  another account
  txn("J1", MINUTE, "TRANSACTION_CREATED", 1_500, "applied", "JPY"),
  txn("J1", 2 * MINUTE, "TRANSACTION_REMOVED", 2_000, "applied", "JPY"),
  eod("E1", 30 * DAY, "EUR"),
  txn("D1", MINUTE, "TRANSACTION_CREATED", 100, "dead_lettered"),
];

describe("ClickHouseVelocityReader", () => {
  test("counts applied transactions and sums their signed effect per window", async () => {
    expect(await reader.velocity("V1")).toEqual({
      ok: true,
      velocity: {
        accountId: "V1",
        currency: "USD",
        asOfMs: Date.parse("2026-11-22T12:00:00.000Z"),
        windows: {
          "1h": { count: 2, sumMinor: 7000 },
          "24h": { count: 4, sumMinor: 107_700 },
          "7d": { count: 6, sumMinor: 108_250 },
        },
      },
    });
  });

  test("agrees with a direct query of the table for every window", async () => {
    const lookup = await reader.velocity("V1");
    if (!lookup.ok) throw new Error("expected V1 to be found");
    for (const [name, lengthMs] of Object.entries(VELOCITY_WINDOWS_MS)) {
      const result = await connection.selectJsonEachRow<{ c: string; s: string }>(
        `SELECT toString(count()) AS c, toString(sum(if(event_type = 'TRANSACTION_REMOVED', -amount_minor, amount_minor))) AS s
         FROM ${table} WHERE account_id = 'V1' AND outcome = 'applied' AND type = 'TRANSACTION'
         AND at_ms > ${sqlInteger(NOW - lengthMs)} AND at_ms <= ${sqlInteger(NOW)}`,
      );
      if (!result.ok) throw new Error(result.failure.message);
      const direct = result.value[0]!;
      const window = lookup.velocity.windows[name as keyof typeof VELOCITY_WINDOWS_MS];
      expect({ count: window.count, sumMinor: window.sumMinor }).toEqual({ count: Number(direct.c), sumMinor: Number(direct.s) });
    }
  });

  test("the sum is in the account's currency's minor units (JPY has none)", async () => {
    const lookup = await reader.velocity("J1");
    expect(lookup).toMatchObject({ ok: true, velocity: { currency: "JPY", windows: { "1h": { count: 2, sumMinor: -500 } } } });
  });

  test("an account with applied messages but no recent transaction has zero windows in its currency", async () => {
    const lookup = await reader.velocity("E1");
    expect(lookup).toMatchObject({
      ok: true,
      velocity: { currency: "EUR", windows: { "1h": { count: 0, sumMinor: 0 }, "24h": { count: 0, sumMinor: 0 }, "7d": { count: 0, sumMinor: 0 } } },
    });
  });

  test("an account with no applied message is not found", async () => {
    expect(await reader.velocity("D1")).toEqual({ ok: false, reason: "not_found" });
    expect(await reader.velocity("nobody' OR '1'='1")).toEqual({ ok: false, reason: "not_found" });
  });

  test("a row stored twice by an insert retry counts once", async () => {
    const rows = [txn("DUP", MINUTE, "TRANSACTION_CREATED", 4_200), txn("DUP", 2 * MINUTE, "TRANSACTION_CREATED", 800)].map((event, index) => eventLogRowOf(event, index));
    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await connection.insertJsonEachRow(table, rows);
      if (!inserted.ok) throw new Error(inserted.failure.message);
    }
    const stored = await connection.selectJsonEachRow<{ n: string }>(`SELECT toString(count()) AS n FROM ${table} WHERE account_id = 'DUP'`);
    expect(stored).toEqual({ ok: true, value: [{ n: "4" }] });
    expect(await reader.velocity("DUP")).toMatchObject({ ok: true, velocity: { windows: { "1h": { count: 2, sumMinor: 5000 } } } });
  });

  test("ClickHouse unreachable, or the table missing, is unavailable", async () => {
    const port = freePort();
    const down = new ClickHouseConnection({ url: `http://127.0.0.1:${port}`, requestTimeoutMs: 5000 });
    expect(await new ClickHouseVelocityReader({ connection: down, database }).velocity("V1")).toEqual({ ok: false, reason: "unavailable" });
    await down.close();
    const missing = new ClickHouseVelocityReader({ connection, database: `${database}_missing` });
    expect(await missing.velocity("V1")).toEqual({ ok: false, reason: "unavailable" });
  });
});

describe("GET /v1/accounts/:accountId/velocity", () => {
  /** AUTH_MODE none: every caller may read every account (the auth tests cover the rest). */
  const openAccess = new Access({
    required: false, jwt: null, apiKeys: null, limiter: new LocalRateLimiter(1, () => {}),
    callerPerSecond: 1, transferSourcePerSecond: 1, metrics: createMetrics(),
  });
  /** The route as app.ts mounts it, with app.ts's HttpError handling. */
  function appWith(velocityReader: VelocityReader) {
    return new Elysia()
      .onError(({ error, set }) => {
        if (!(error instanceof HttpError)) return;
        set.status = error.status;
        Object.assign(set.headers, error.headers);
        return error.body;
      })
      .use(velocityRoutes(velocityReader, openAccess));
  }
  const get = (app: ReturnType<typeof appWith>, accountId: string) =>
    app.handle(new Request(`http://localhost/v1/accounts/${encodeURIComponent(accountId)}/velocity`));

  test("200 with the windows", async () => {
    const response = await get(appWith(reader), "V1");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accountId: "V1", currency: "USD", windows: { "24h": { count: 4, sum: "1077.00" } } });
  });

  test("404 with the error shape when the account has no applied events", async () => {
    const response = await get(appWith(reader), "nobody");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "account_not_found", message: expect.any(String) } });
  });

  test("503 when ClickHouse is unreachable", async () => {
    const down = new ClickHouseConnection({ url: `http://127.0.0.1:${freePort()}`, requestTimeoutMs: 5000 });
    const response = await get(appWith(new ClickHouseVelocityReader({ connection: down, database })), "V1");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({ error: { code: "event_log_unavailable", message: expect.any(String) } });
    await down.close();
  });

  test("an account id with quotes and backslashes is a plain lookup", async () => {
    const response = await get(appWith(reader), "V1' OR account_id != '\\");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "account_not_found", message: expect.any(String) } });
  });
});

/** A port that was free a moment ago (the OS just gave it out and it was released). */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}
