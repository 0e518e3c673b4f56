/**
 * Issue 8 on the HTTP path: no input may stop the engine, answer 500 or half-apply a request.
 * Each test is one reproduction from the issue, against a real engine in this process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest();
});
afterAll(() => engine.stop());

describe("poison messages on POST /v1/events", () => {
  test("an EOD whose facilityId holds a NUL is dead-lettered invalid_schema and the request answers at once", async () => {
    const response = await engine.post("/v1/events", eod({ accountId: "P-NUL", facilityId: "f\u0000", messageId: "p1" }));
    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual({ results: [{ messageId: "p1", outcome: "dead_lettered", reason: "invalid_schema" }] });
    expect((await engine.get("/v1/accounts/P-NUL/balance")).status).toBe(404);
  });

  test("after 2,000 such messages every client is still served, never 429 engine_busy", async () => {
    const poison = Array.from({ length: 2000 }, (_, i) => eod({ accountId: `P-${i}`, facilityId: "f\u0000" }));
    expect((await engine.post("/v1/events", poison)).status).toBe(200);
    const good = await engine.post("/v1/events", eod({ accountId: "P-GOOD", facilityId: "none", messageId: "good-1" }));
    expect(good.status).toBe(200);
    expect(await bodyOf(good)).toMatchObject({ results: [{ messageId: "good-1", outcome: "applied" }] });
  });

  test("ids with a lone high or low surrogate are dead-lettered invalid_schema: two such ids never become one account", async () => {
    const response = await engine.post("/v1/events", [
      eod({ accountId: "x\ud800", messageId: "s1" }), eod({ accountId: "x\udbff", messageId: "s2" }),
    ]);
    expect((await bodyOf(response)).results).toEqual([
      { messageId: "s1", outcome: "dead_lettered", reason: "invalid_schema" },
      { messageId: "s2", outcome: "dead_lettered", reason: "invalid_schema" },
    ]);
  });

  test("a 100,000-deep JSON body is a 400, and nothing of the same request is applied", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const body = `[${JSON.stringify(eod({ accountId: "DEEP-1", messageId: "deep-ok" }))},${deep}]`;
    const response = await engine.post("/v1/events", body);
    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toMatchObject({ error: { code: "body_too_deep", field: "body" } });
    expect((await engine.get("/v1/accounts/DEEP-1/balance")).status).toBe(404);
  });

  test("an element nested below the depth limit is dead-lettered on its own; the rest of the request goes on", async () => {
    const nested = { type: "TRANSACTION", messageId: "nest-1", amount: JSON.parse("[".repeat(20) + "]".repeat(20)) };
    const response = await engine.post("/v1/events", [nested, txn({ accountId: "NEST", amount: "1.00" })]);
    expect(response.status).toBe(200);
    expect((await bodyOf(response)).results).toMatchObject([
      { messageId: "nest-1", outcome: "dead_lettered", reason: "invalid_schema" }, { outcome: "applied" },
    ]);
  });
});
