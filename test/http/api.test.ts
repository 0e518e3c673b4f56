/** Balance reads, facility admin, ops endpoints and the OpenAPI document. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { METRIC_PREFIX, metricDelta, scrapeMetrics } from "../support/metrics.ts";
import { eventually } from "../support/services.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest({ SYNC_MIN_INTERVAL_MS: "50", SYNC_MAX_DELAY_MS: "100" });
});
afterAll(() => engine.stop());

describe("GET /v1/accounts/:accountId/balance", () => {
  test("an account with no EOD is a 404 with the error shape", async () => {
    const response = await engine.get("/v1/accounts/nobody/balance");
    expect(response.status).toBe(404);
    expect((await bodyOf(response)).error.code).toBe("account_not_found");
  });

  test("an account whose transactions came before its first EOD reads 404, then counts only the kept days", async () => {
    await engine.post("/v1/events", [txn({ accountId: "B1", bookingDate: "2026-11-21", amount: "7.00" }), txn({ accountId: "B1", amount: "3.00" })]);
    const before = await engine.get("/v1/accounts/B1/balance");
    expect({ status: before.status, code: (await bodyOf(before)).error.code }).toEqual({ status: 404, code: "account_not_found" });
    await engine.post("/v1/events", eod({ accountId: "B1", balance: "10.00" }));
    expect(await bodyOf(await engine.get("/v1/accounts/B1/balance"))).toMatchObject({ currentBalance: "13.00", intradayTotal: "3.00" });
  });

  test("a bad parameter is a 400 that names it", async () => {
    const longId = "x".repeat(200);
    const tooLong = await engine.get(`/v1/accounts/${longId}/balance`);
    expect(tooLong.status).toBe(400);
    expect((await bodyOf(tooLong)).error.field).toBe("params.accountId");
    const badSource = await engine.get("/v1/accounts/B1/balance?source=disk");
    expect(badSource.status).toBe(400);
    expect((await bodyOf(badSource)).error.field).toBe("query.source");
  });

  test("a value outside an enum is a 400 whose message lists the allowed values", async () => {
    const response = await engine.get("/v1/accounts/B1/balance?source=foo");
    expect(response.status).toBe(400);
    expect((await bodyOf(response)).error).toEqual({ code: "invalid_request", field: "query.source", message: "query.source: must be one of memory, db" });
  });

  test("?source=db answers the copy's own shape, documented: accountId, currency, currentBalance, availableBalance, eodDate, version, updatedAt, source", async () => {
    await engine.post("/v1/events", [eod({ accountId: "DB2", balance: "10.00" })]);
    await eventually(async () => (await engine.get("/v1/accounts/DB2/balance?source=db")).status === 200, 10_000, "the copy");
    const copy = await bodyOf(await engine.get("/v1/accounts/DB2/balance?source=db"));
    expect(Object.keys(copy).sort()).toEqual(["accountId", "availableBalance", "currency", "currentBalance", "eodDate", "source", "updatedAt", "version"]);
  });

  test("an account id with a NUL is a 400 naming it on ?source=db too, never a 500", async () => {
    const response = await engine.get("/v1/accounts/a%00b/balance?source=db");
    expect(response.status).toBe(400);
    expect((await bodyOf(response)).error.field).toBe("params.accountId");
  });

  test("?source=db reads the eventually consistent copy in datalake.account (the embedded store here)", async () => {
    await engine.post("/v1/events", [eod({ accountId: "DB1", balance: "10.00" }), txn({ accountId: "DB1", amount: "2.50" })]);
    await eventually(async () => (await bodyOf(await engine.get("/v1/accounts/DB1/balance?source=db"))).currentBalance === "12.50", 10_000, "the copy");
    const copy = await bodyOf(await engine.get("/v1/accounts/DB1/balance?source=db"));
    expect(copy).toMatchObject({ accountId: "DB1", currency: "USD", eodDate: "2026-11-21", currentBalance: "12.50", version: 2 });
    const missing = await engine.get("/v1/accounts/nobody/balance?source=db");
    expect({ status: missing.status, code: (await bodyOf(missing)).error.code }).toEqual({ status: 404, code: "account_not_found" });
  });
});

describe("PUT /v1/admin/facilities/:facilityId", () => {
  test("a new limit is applied to every account that uses the facility before the PUT answers; the others keep theirs", async () => {
    await engine.post("/v1/events", [
      eod({ accountId: "P1", facilityId: "FX" }), eod({ accountId: "P2", facilityId: "FX" }), eod({ accountId: "P3", facilityId: "FY" }),
    ]);
    const balance = async (accountId: string) => bodyOf(await engine.get(`/v1/accounts/${accountId}/balance`));
    const before = { P1: await balance("P1"), P3: await balance("P3") };
    expect(before.P1).toMatchObject({ facilityLimitKnown: false, availableBalance: null, version: 1 });
    const response = await engine.put("/v1/admin/facilities/FX", { limit: "250.50" });
    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual({ facilityId: "FX", limit: "250.50", currency: "USD", accountsUpdated: 2 });
    for (const accountId of ["P1", "P2"]) {
      expect(await balance(accountId)).toMatchObject({ facilityLimit: "250.50", facilityLimitKnown: true, availableBalance: "1250.50", version: 2 });
    }
    expect(await balance("P3")).toEqual(before.P3);
  });

  test("a facility id with a NUL is a 400 naming it, never a 500", async () => {
    const response = await engine.put("/v1/admin/facilities/f%00x", { limit: "1.00" });
    expect(response.status).toBe(400);
    expect((await bodyOf(response)).error.field).toBe("params.facilityId");
  });

  test("a limit that is not a non-negative decimal string is a 400 naming the limit", async () => {
    for (const limit of ["-1.00", "abc", "1.234", "1e3", 5]) {
      const response = await engine.put("/v1/admin/facilities/FZ", { limit });
      expect(response.status).toBe(400);
      expect((await bodyOf(response)).error.field).toMatch(/limit/);
    }
  });
});

describe("operations", () => {
  test("/health is live and /ready is ready once started", async () => {
    const health = await engine.get("/health");
    expect({ status: health.status, body: await bodyOf(health) }).toEqual({ status: 200, body: { status: "ok" } });
    const ready = await engine.get("/ready");
    expect({ status: ready.status, body: await bodyOf(ready) }).toMatchObject({ status: 200, body: { status: "ready" } });
  });

  test("/metrics exposes the contract's metric names in Prometheus text format, with the values counted", async () => {
    const before = await scrapeMetrics(engine.base);
    await engine.post("/v1/events", [eod({ accountId: "M1" }), txn({ accountId: "M1", amount: "20000.00" }), txn({ accountId: "M1", amount: 1 })]);
    const after = await scrapeMetrics(engine.base);
    for (const name of ["messages_total", "messages_invalid_total", "dlq_total", "eod_mismatch_total", "eod_fixes_total", "alerts_total", "accounts", "ws_clients", "apply_duration_seconds_bucket"]) {
      expect(after.text).toContain(`\n${METRIC_PREFIX}${name}`);
    }
    expect({
      transactionsApplied: metricDelta(before, after, "messages_total", { topic: "bank.transactions", outcome: "applied" }),
      invalidAmount: metricDelta(before, after, "messages_invalid_total", { reason: "invalid_amount" }),
      alerts: metricDelta(before, after, "alerts_total"),
      applyObservations: metricDelta(before, after, "apply_duration_seconds_count"),
    }).toEqual({ transactionsApplied: 1, invalidAmount: 1, alerts: 1, applyObservations: 3 });
  });

  test("/metrics reads its gauges at scrape time, with no call to /ready", async () => {
    const slowSync = await startEngineUnderTest({ SYNC_MIN_INTERVAL_MS: "3600000", SYNC_MAX_DELAY_MS: "3600000" });
    try {
      await slowSync.post("/v1/events", [eod({ accountId: "G1" }), eod({ accountId: "G2" })]);
      const scrape = await scrapeMetrics(slowSync.base);
      expect({ syncPendingRows: scrape.value("sync_pending_rows"), accounts: scrape.value("accounts") }).toEqual({ syncPendingRows: 2, accounts: 2 });
    } finally {
      await slowSync.stop();
    }
  });

  test("/velocity without ClickHouse is a 503 that names CLICKHOUSE_URL and has no Retry-After: retrying will not help", async () => {
    const response = await engine.get("/v1/accounts/B1/velocity");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeNull();
    const error = (await bodyOf(response)).error;
    expect(error.code).toBe("event_log_not_configured");
    expect(error.message).toContain("CLICKHOUSE_URL");
  });

  test("the OpenAPI document describes every route", async () => {
    const document = await bodyOf(await engine.get("/openapi/json"));
    for (const path of ["/v1/accounts/{accountId}/balance", "/v1/events", "/v1/admin/facilities/{facilityId}", "/v1/dlq", "/v1/transfers", "/v1/transfers/{transferId}", "/v1/transfers/{transferId}/confirm", "/v1/transfers/{transferId}/cancel", "/v1/transfers/{transferId}/events", "/health", "/ready", "/metrics"]) {
      expect(Object.keys(document.paths)).toContain(path);
    }
  });
});
