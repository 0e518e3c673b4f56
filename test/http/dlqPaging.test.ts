/** GET /v1/dlq pages: past 1,000 letters with a cursor, by reason, bounded in payload bytes, unknown parameters refused. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest({ DLQ_MEMORY_MAX: "10000" });
});
afterAll(() => engine.stop());

async function page(query: string) {
  const response = await engine.get(`/v1/dlq?${query}`);
  expect(response.status).toBe(200);
  return (await bodyOf(response)) as { items: { messageId: string; sequence: number; reason: string; payload: string; payloadBytes: number; payloadTruncated: boolean }[]; nextCursor: string | null };
}

test("a cursor reads every dead letter past 1,000, newest first, each once", async () => {
  const sent = Array.from({ length: 2500 }, (_, i) => txn({ accountId: "DLQ1", messageId: `page-${i}`, amount: 1 }));
  expect((await engine.post("/v1/events", sent)).status).toBe(200);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const current = await page(`limit=1000${cursor === null ? "" : `&cursor=${cursor}`}&reason=invalid_amount`);
    seen.push(...current.items.map((item) => item.messageId));
    cursor = current.nextCursor;
  } while (cursor !== null);
  expect(seen).toEqual(sent.map((m) => m.messageId as string).reverse());
});

test("reason keeps the letters of that reason only", async () => {
  await engine.post("/v1/events", [txn({ accountId: "DLQ2", messageId: "bad-currency", currency: "XXX" }), txn({ accountId: "DLQ2", amount: 2 })]);
  const { items } = await page("reason=unknown_currency");
  expect(items.map((item) => item.messageId)).toEqual(["bad-currency"]);
});

test("a page shows at most 1 MiB of payload, and a larger letter is cut with its full size given", async () => {
  const big = Array.from({ length: 20 }, (_, i) => txn({ accountId: "DLQ3", messageId: `big-${i}`, amount: 3, memo: "x".repeat(100_000) }));
  await engine.post("/v1/events", big);
  const { items, nextCursor } = await page("limit=1000");
  const shown = items.reduce((sum, item) => sum + Buffer.byteLength(item.payload), 0);
  expect(shown).toBeLessThanOrEqual(1024 * 1024);
  expect(items.length).toBeLessThan(20);
  expect(items[0]).toMatchObject({ messageId: "big-19", payloadTruncated: true });
  expect(items[0]!.payloadBytes).toBeGreaterThan(100_000);
  expect(nextCursor).not.toBeNull();
});

test("a query parameter the route does not take (offset) is a 400 naming it, not silently ignored", async () => {
  const response = await engine.get("/v1/dlq?offset=1000");
  expect(response.status).toBe(400);
  expect((await bodyOf(response)).error).toMatchObject({ field: "query.offset", message: "query.offset: is not allowed here (allowed: limit, cursor, reason)" });
});

test("a reason that is not a dead-letter reason is a 400 listing the reasons", async () => {
  const response = await engine.get("/v1/dlq?reason=bogus");
  expect(response.status).toBe(400);
  const error = (await bodyOf(response)).error;
  expect(error.field).toBe("query.reason");
  expect(error.message).toContain("invalid_schema, unknown_event_type");
});
