/** POST /v1/events and GET /v1/dlq: outcomes, dead letters, and bad input that never crashes. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";

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

async function currentBalance(accountId: string): Promise<string | null> {
  const response = await engine.get(`/v1/accounts/${accountId}/balance`);
  return response.status === 200 ? (await bodyOf(response)).currentBalance : null;
}

describe("POST /v1/events", () => {
  test("answers one result per message, in input order, each with its outcome", async () => {
    const first = eod({ accountId: "E1", facilityId: "F1" });
    const results = await ingest([first, txn({ accountId: "E1" }), first, eod({ accountId: "E1", facilityId: "F1", asOfDate: "2026-11-20" })]);
    expect(results.map((r) => r.outcome)).toEqual(["applied", "applied", "duplicate", "ignored_older"]);
    expect(results[0]!.messageId).toBe(first.messageId as string);
  });

  test("a single message object is accepted as well as an array", async () => {
    const results = await ingest(eod({ accountId: "E2", facilityId: "F1" }));
    expect(results).toHaveLength(1);
    expect(results[0]!.outcome).toBe("applied");
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

  test("an EOD with an unknown facility is applied with a warning, reads available null, and a copy is dead-lettered", async () => {
    const results = await ingest(eod({ accountId: "E4", facilityId: "NO-SUCH" }));
    expect(results[0]).toMatchObject({ outcome: "applied", warning: "facility_not_found" });
    const balance = await bodyOf((await engine.get("/v1/accounts/E4/balance")));
    expect(balance).toMatchObject({ facilityLimitKnown: false, availableBalance: null, facilityLimit: null });
    const dlq = await bodyOf((await engine.get("/v1/dlq?limit=1")));
    expect(dlq.items[0]).toMatchObject({ reason: "facility_not_found", messageId: results[0]!.messageId });
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
  });
});

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
