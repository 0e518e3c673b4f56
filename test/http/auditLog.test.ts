/** GET /v1/admin/audit: audit.events newest first, a page at a time, filtered; bounded. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, startEngineUnderTest, type EngineUnderTest } from "../support/engineUnderTest.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest();
  // Five audited admin actions: facility changes, in order.
  for (let i = 1; i <= 5; i++) await engine.put(`/v1/admin/facilities/AUD-${i}`, { limit: `${i}.00` });
});
afterAll(() => engine.stop());

const audit = async (query: string) => {
  const response = await engine.get(`/v1/admin/audit${query}`);
  return { status: response.status, body: await bodyOf(response) };
};

test("rows come newest first with who did what to what, and the status it answered", async () => {
  const { status, body } = await audit("?action=facility.set&limit=5");
  expect(status).toBe(200);
  expect(body.items.map((row: { target: string }) => row.target)).toEqual(["AUD-5", "AUD-4", "AUD-3", "AUD-2", "AUD-1"]);
  expect(body.items[0]).toMatchObject({ actor: "anonymous", action: "facility.set", target: "AUD-5", status: 200 });
  expect(Number.isNaN(Date.parse(body.items[0].at))).toBe(false);
});

test("pages follow nextCursor to the end, each row once", async () => {
  const first = await audit("?action=facility.set&limit=2");
  const second = await audit(`?action=facility.set&limit=2&cursor=${first.body.nextCursor}`);
  const third = await audit(`?action=facility.set&limit=2&cursor=${second.body.nextCursor}`);
  const targets = [first, second, third].flatMap((page) => page.body.items.map((row: { target: string }) => row.target));
  expect(targets).toEqual(["AUD-5", "AUD-4", "AUD-3", "AUD-2", "AUD-1"]);
  expect(third.body.nextCursor).toBeNull();
});

test("target and actor filters keep only their rows", async () => {
  expect((await audit("?target=AUD-3")).body.items.map((row: { target: string }) => row.target)).toEqual(["AUD-3"]);
  expect((await audit("?actor=jwt:nobody")).body.items).toEqual([]);
});

test("a limit over 1000 or an unknown parameter is a 400 naming it", async () => {
  const over = await audit("?limit=1001");
  expect({ status: over.status, field: over.body.error.field }).toEqual({ status: 400, field: "query.limit" });
  const typo = await audit("?offset=3");
  expect(typo.status).toBe(400);
});
