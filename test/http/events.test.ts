/**
 * POST /v1/events and GET /v1/dlq: outcomes, dead letters, the metrics that count them, and bad
 * input that never crashes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { arbitraryText, arbitraryValue } from "../support/arbitraryMessages.ts";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { metricDelta, scrapeMetrics } from "../support/metrics.ts";
import { assertAsyncProperty } from "../support/seed.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest();
  await engine.put("/v1/admin/facilities/F1", { limit: "100.00" });
});
afterAll(() => engine.stop());

async function ingest(body: unknown) {
  const response = await engine.post("/v1/events", body);
  expect(response.status).toBe(200);
  return (await bodyOf(response)).results as { messageId?: string; outcome: string; reason?: string; warning?: string }[];
}

const scrape = () => scrapeMetrics(engine.base);
const EOD_TOPIC = { topic: "bank.balances.eod" };
const TXN_TOPIC = { topic: "bank.transactions" };

async function currentBalance(accountId: string): Promise<string | null> {
  const response = await engine.get(`/v1/accounts/${accountId}/balance`);
  return response.status === 200 ? (await bodyOf(response)).currentBalance : null;
}

describe("POST /v1/events", () => {
  test("answers one result per message, in input order, each with its outcome, counted in messages_total{topic,outcome}", async () => {
    const first = eod({ accountId: "E1", facilityId: "F1" });
    const before = await scrape();
    const results = await ingest([first, txn({ accountId: "E1" }), first, eod({ accountId: "E1", facilityId: "F1", asOfDate: "2026-11-20" })]);
    expect(results.map((r) => r.outcome)).toEqual(["applied", "applied", "duplicate", "ignored_older"]);
    expect(results.map((r) => r.messageId)).toEqual([first.messageId, expect.any(String), first.messageId, expect.any(String)]);
    const after = await scrape();
    expect({
      eodApplied: metricDelta(before, after, "messages_total", { ...EOD_TOPIC, outcome: "applied" }),
      eodDuplicate: metricDelta(before, after, "messages_total", { ...EOD_TOPIC, outcome: "duplicate" }),
      eodIgnoredOlder: metricDelta(before, after, "messages_total", { ...EOD_TOPIC, outcome: "ignored_older" }),
      transactionsApplied: metricDelta(before, after, "messages_total", { ...TXN_TOPIC, outcome: "applied" }),
    }).toEqual({ eodApplied: 1, eodDuplicate: 1, eodIgnoredOlder: 1, transactionsApplied: 1 });
  });

  test("a single message object is accepted as well as an array", async () => {
    const message = eod({ accountId: "E2", facilityId: "F1" });
    const results = await ingest(message);
    expect(results).toEqual([{ messageId: message.messageId as string, outcome: "applied" }]);
  });

  test("an invalid element is dead-lettered with its reason, not a 400, and changes no balance", async () => {
    await ingest(eod({ accountId: "E3", facilityId: "F1", balance: "10.00" }));
    const results = await ingest([
      txn({ accountId: "E3", amount: 5 }),
      txn({ accountId: "E3", amount: "0.001" }),
      txn({ accountId: "E3", amount: "99999999999999999999.00" }),
      txn({ accountId: "E3", eventType: "TRANSACTION_MOVED" }),
      txn({ accountId: "E3", bookingDate: "2026-02-30" }),
      txn({ accountId: "E3", currency: "XXX" }),
      txn({ accountId: "E3", currency: "EUR" }),
      { type: "SOMETHING" },
      "not an object",
      txn({ accountId: "E3", bookingDate: "2026-11-21" }),
    ]);
    expect(results.map((r) => r.reason)).toEqual([
      "invalid_amount", "invalid_amount", "out_of_range", "unknown_event_type", "invalid_date",
      "unknown_currency", "currency_mismatch", "invalid_schema", "invalid_json", "before_eod",
    ]);
    expect(results.every((r) => r.outcome === "dead_lettered")).toBe(true);
    expect(await currentBalance("E3")).toBe("10.00");
  });

  test("each dead-lettered message counts in dlq_total{reason}, and an invalid one in messages_invalid_total{reason}", async () => {
    await ingest(eod({ accountId: "E5", facilityId: "F1", balance: "10.00" }));
    const before = await scrape();
    await ingest([
      txn({ accountId: "E5", amount: 5 }), txn({ accountId: "E5", amount: "0.001" }),
      txn({ accountId: "E5", amount: "99999999999999999999.00" }), txn({ accountId: "E5", eventType: "TRANSACTION_MOVED" }),
      txn({ accountId: "E5", bookingDate: "2026-02-30" }), txn({ accountId: "E5", currency: "XXX" }),
      txn({ accountId: "E5", currency: "EUR" }), { type: "SOMETHING" }, "not an object", txn({ accountId: "E5", bookingDate: "2026-11-21" }),
    ]);
    const after = await scrape();
    const reasons = ["invalid_amount", "out_of_range", "unknown_event_type", "invalid_date", "unknown_currency", "invalid_schema", "invalid_json"];
    const counted = (name: string, list: string[]) => Object.fromEntries(list.map((reason) => [reason, metricDelta(before, after, name, { reason })]));
    expect(counted("dlq_total", [...reasons, "currency_mismatch", "before_eod"])).toEqual({
      invalid_amount: 2, out_of_range: 1, unknown_event_type: 1, invalid_date: 1, unknown_currency: 1, invalid_schema: 1,
      invalid_json: 1, currency_mismatch: 1, before_eod: 1,
    });
    // currency_mismatch is left out of messages_invalid_total here: it stays 0 today (a known
    // defect, listed in issue 16's report for the defects issue).
    expect(counted("messages_invalid_total", reasons)).toEqual({
      invalid_amount: 2, out_of_range: 1, unknown_event_type: 1, invalid_date: 1, unknown_currency: 1, invalid_schema: 1, invalid_json: 1,
    });
    expect(after.sum("messages_total", { outcome: "dead_lettered" }) - before.sum("messages_total", { outcome: "dead_lettered" })).toBe(10);
  });

  test("a transaction booked on or before the EOD date is dead-lettered before_eod, changes no balance and counts in dlq_total", async () => {
    await ingest(eod({ accountId: "E6", facilityId: "F1", balance: "10.00", asOfDate: "2026-11-21" }));
    const before = await scrape();
    const late = txn({ accountId: "E6", bookingDate: "2026-11-21", amount: "1.00" });
    expect(await ingest(late)).toEqual([{ messageId: late.messageId as string, outcome: "dead_lettered", reason: "before_eod" }]);
    expect(await currentBalance("E6")).toBe("10.00");
    const after = await scrape();
    expect(metricDelta(before, after, "dlq_total", { reason: "before_eod" })).toBe(1);
    expect(metricDelta(before, after, "messages_total", { ...TXN_TOPIC, outcome: "dead_lettered" })).toBe(1);
    const { items } = await bodyOf(await engine.get("/v1/dlq?limit=1"));
    expect(items[0]).toMatchObject({ messageId: late.messageId, reason: "before_eod", source: { kind: "http" } });
  });

  test("an EOD with an unknown facility is applied with a warning, reads available null, and a copy is dead-lettered", async () => {
    const before = await scrape();
    const results = await ingest(eod({ accountId: "E4", facilityId: "NO-SUCH" }));
    expect(results[0]).toMatchObject({ outcome: "applied", warning: "facility_not_found" });
    const balance = await bodyOf((await engine.get("/v1/accounts/E4/balance")));
    expect(balance).toMatchObject({ currentBalance: "1000.00", facilityLimitKnown: false, availableBalance: null, facilityLimit: null });
    const dlq = await bodyOf((await engine.get("/v1/dlq?limit=1")));
    expect(dlq.items[0]).toMatchObject({ reason: "facility_not_found", messageId: results[0]!.messageId });
    const after = await scrape();
    expect({
      dlq: metricDelta(before, after, "dlq_total", { reason: "facility_not_found" }),
      applied: metricDelta(before, after, "messages_total", { ...EOD_TOPIC, outcome: "applied" }),
      lookups: metricDelta(before, after, "facility_lookups_total", { result: "not_found" }),
    }).toEqual({ dlq: 1, applied: 1, lookups: 1 });
  });

  test("a later-day EOD that differs from the engine's own close is applied and counted in eod_mismatch_total", async () => {
    await ingest([eod({ accountId: "E7", facilityId: "F1", balance: "10.00" }), txn({ accountId: "E7", amount: "5.00", bookingDate: "2026-11-22" })]);
    const before = await scrape();
    const next = (balance: string, timestamp: string) => eod({ accountId: "E7", facilityId: "F1", asOfDate: "2026-11-22", balance, timestamp });
    expect((await ingest(next("14.99", "2026-11-23T00:05:00Z")))[0]!.outcome).toBe("applied"); // the engine's close is 15.00
    expect(await currentBalance("E7")).toBe("14.99");
    const afterMismatch = await scrape();
    expect(metricDelta(before, afterMismatch, "eod_mismatch_total")).toBe(1);
    // A close that agrees counts nothing.
    await ingest([txn({ accountId: "E7", amount: "1.00", bookingDate: "2026-11-23" }), eod({ accountId: "E7", facilityId: "F1", asOfDate: "2026-11-23", balance: "15.99", timestamp: "2026-11-24T00:05:00Z" })]);
    expect(await currentBalance("E7")).toBe("15.99");
    expect(metricDelta(afterMismatch, await scrape(), "eod_mismatch_total")).toBe(0);
  });

  test("a fix of the same day's EOD is applied and counted in eod_fixes_total", async () => {
    await ingest([eod({ accountId: "E8", facilityId: "F1", balance: "10.00" }), txn({ accountId: "E8", amount: "5.00" })]);
    const before = await scrape();
    expect((await ingest(eod({ accountId: "E8", facilityId: "F1", balance: "20.00", timestamp: "2026-11-22T03:00:00Z" })))[0]!.outcome).toBe("applied");
    expect(await currentBalance("E8")).toBe("25.00");
    const after = await scrape();
    expect({ fixes: metricDelta(before, after, "eod_fixes_total"), mismatches: metricDelta(before, after, "eod_mismatch_total") })
      .toEqual({ fixes: 1, mismatches: 0 });
  });

  test("a body that is not a JSON object or array is a 400 naming the body", async () => {
    for (const body of ["42", '"text"', "{not json", "null"]) {
      const response = await engine.post("/v1/events", body);
      expect(response.status).toBe(400);
      const error = (await bodyOf(response)).error;
      expect(error.code).toMatch(/invalid_json|invalid_request/);
      expect(error.field).toMatch(/^body/);
    }
  });

  test("more than 10,000 messages is a 413", async () => {
    const response = await engine.post("/v1/events", Array.from({ length: 10_001 }, () => ({})));
    expect(response.status).toBe(413);
    expect((await bodyOf(response)).error.code).toBe("too_many_messages");
  });

  test("a body over 16 MiB is a 413", async () => {
    const response = await engine.post("/v1/events", `[${" ".repeat(16 * 1024 * 1024 + 10)}]`);
    expect(response.status).toBe(413);
    expect((await bodyOf(response)).error.code).toBe("body_too_large");
  });

  test("the engine never crashes on any body: any JSON value or text gets one verdict per element, or a 400 naming the body", async () => {
    const body = fc.oneof(
      { weight: 4, arbitrary: fc.array(arbitraryValue, { maxLength: 20 }).map((values) => JSON.stringify(values)) },
      { weight: 2, arbitrary: arbitraryValue.map((value) => JSON.stringify(value) ?? "null") },
      { weight: 1, arbitrary: arbitraryText },
    );
    await assertAsyncProperty(fc.asyncProperty(body, async (text) => {
      const response = await engine.post("/v1/events", text);
      const parsed = parseOrUndefined(text);
      if (typeof parsed !== "object" || parsed === null) {
        expect({ status: response.status, field: (await bodyOf(response)).error.field }).toEqual({ status: 400, field: "body" });
        return;
      }
      expect(response.status).toBe(200);
      const { results } = await bodyOf(response);
      expect(results).toHaveLength(Array.isArray(parsed) ? parsed.length : 1);
      for (const result of results) expect(["applied", "duplicate", "ignored_older", "dead_lettered"]).toContain(result.outcome);
    }), { numRuns: 200 });
    expect((await engine.get("/health")).status).toBe(200);
  });
});

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

describe("GET /v1/dlq", () => {
  test("lists the most recent dead letters, newest first, with reason, source, time and the original payload", async () => {
    await ingest([txn({ accountId: "D1", amount: "1.234", messageId: "dlq-a" }), txn({ accountId: "D1", amount: 1, messageId: "dlq-b" })]);
    const { items } = await bodyOf((await engine.get("/v1/dlq?limit=2")));
    expect(items.map((i: { messageId: string }) => i.messageId)).toEqual(["dlq-b", "dlq-a"]);
    expect(items[0]).toMatchObject({ reason: "invalid_amount", source: { kind: "http" } });
    expect(JSON.parse(items[0].payload).amount).toBe(1);
    expect(Number.isNaN(Date.parse(items[0].at))).toBe(false);
  });

  test("an invalid_schema dead letter says which field failed", async () => {
    const { facilityId: _dropped, ...noFacility } = eod({ accountId: "D2", messageId: "schema-a" });
    await ingest([noFacility, eod({ accountId: "D\u0000", messageId: "schema-b" }), { type: "EOD", messageId: "schema-c" }]);
    const { items } = await bodyOf(await engine.get("/v1/dlq?limit=3"));
    expect(items.map((i: { messageId: string; reason: string; detail: string }) => [i.messageId, i.reason, i.detail])).toEqual([
      ["schema-c", "invalid_schema", "type: must be one of EOD_BALANCE, TRANSACTION"],
      ["schema-b", "invalid_schema", "accountId: must be 1 to 128 characters of well-formed text without NUL"],
      ["schema-a", "invalid_schema", "facilityId: is required"],
    ]);
  });

  test("a limit outside 1..1000 or not a number is a 400 naming the limit", async () => {
    for (const limit of ["0", "1001", "abc", "1.5"]) {
      const response = await engine.get(`/v1/dlq?limit=${limit}`);
      expect(response.status).toBe(400);
      expect((await bodyOf(response)).error.field).toBe("query.limit");
    }
  });
});
