/** Error answers that help: 405 with Allow, one naming for `field`, one wording for bad JSON, unknown fields named. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, startEngineUnderTest, type EngineUnderTest } from "../support/engineUnderTest.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest();
});
afterAll(() => engine.stop());

test("a method a route does not take is a 405 with an Allow header, not a 404", async () => {
  const post = await fetch(`${engine.base}/v1/accounts/123/balance`, { method: "POST" });
  expect(post.status).toBe(405);
  expect(post.headers.get("allow")).toBe("GET, HEAD");
  expect((await bodyOf(post)).error.code).toBe("method_not_allowed");
  const get = await fetch(`${engine.base}/v1/admin/facilities/456`);
  expect(get.status).toBe(405);
  expect(get.headers.get("allow")).toBe("PUT");
  expect((await fetch(`${engine.base}/no/such/route`)).status).toBe(404);
});

test("every 400 names its field as part.field, and its message starts with it", async () => {
  const cases: [Promise<Response>, string][] = [
    [engine.put("/v1/admin/facilities/F1", { limit: "-1.00" }), "body.limit"],
    [engine.put("/v1/admin/facilities/F1", { limit: "1.00", currency: "XXX" }), "body.currency"],
    [engine.put("/v1/admin/facilities/F1", {}), "body.limit"],
    [engine.put("/v1/admin/facilities/F1", { limit: 5 }), "body.limit"],
    [engine.get("/v1/dlq?limit=0"), "query.limit"],
    [engine.get("/v1/dlq?limit=abc"), "query.limit"],
    [engine.get(`/v1/accounts/${"x".repeat(200)}/balance`), "params.accountId"],
  ];
  for (const [answer, field] of cases) {
    const response = await answer;
    expect(response.status).toBe(400);
    const error = (await bodyOf(response)).error;
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  }
});

test("a body that is not JSON gets the same answer on every route", async () => {
  const events = await bodyOf(await engine.post("/v1/events", "{not json"));
  const facility = await bodyOf(await engine.put("/v1/admin/facilities/F1", "{not json"));
  expect(events).toEqual({ error: { code: "invalid_json", message: "body: not valid JSON", field: "body" } });
  expect(facility).toEqual(events);
});

test("a field the body does not have is a 400 naming it, not silently dropped", async () => {
  const response = await engine.put("/v1/admin/facilities/F1", { limit: "1.00", limt: "2.00" });
  expect(response.status).toBe(400);
  const error = (await bodyOf(response)).error;
  expect(error.field).toBe("body.limt");
  expect(error.message).toContain("limit, currency");
  const query = await engine.get("/v1/accounts/123/balance?sauce=db");
  expect(query.status).toBe(400);
  expect((await bodyOf(query)).error.field).toBe("query.sauce");
});
