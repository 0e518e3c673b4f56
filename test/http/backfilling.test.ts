/** The Mock Bank seed's backfilling example, end to end over HTTP. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { metricValue } from "../support/metrics.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  engine = await startEngineUnderTest();
});
afterAll(() => engine.stop());

async function balanceOf(accountId: string) {
  const response = await engine.get(`/v1/accounts/${accountId}/balance`);
  expect(response.status).toBe(200);
  return bodyOf(response);
}

test("the seed's backfilling example: an EOD fix changes the EOD figure and keeps the day's transactions", async () => {
  const facility = await engine.put("/v1/admin/facilities/456", { limit: "5000.00" });
  expect({ status: facility.status, body: await bodyOf(facility) })
    .toEqual({ status: 200, body: { facilityId: "456", limit: "5000.00", currency: "USD", accountsUpdated: 0 } });

  const first = await engine.post("/v1/events", eod({ accountId: "123", balance: "1000.00" }));
  expect((await bodyOf(first)).results[0].outcome).toBe("applied");
  const day = await engine.post("/v1/events", [
    txn({ amount: "100.00" }), txn({ amount: "100.00" }), txn({ amount: "-50.00" }),
  ]);
  expect((await bodyOf(day)).results.map((r: { outcome: string }) => r.outcome)).toEqual(["applied", "applied", "applied"]);

  const before = await balanceOf("123");
  expect(before).toMatchObject({
    eodBalance: "1000.00", intradayTotal: "150.00", currentBalance: "1150.00",
    facilityLimit: "5000.00", facilityLimitKnown: true, availableBalance: "6150.00", holds: "0.00",
  });

  const fixesBefore = await metricValue(engine.base, "eod_fixes_total");
  const fix = await engine.post("/v1/events", eod({ accountId: "123", balance: "2000.00", timestamp: "2026-11-22T02:00:00Z" }));
  expect((await bodyOf(fix)).results[0].outcome).toBe("applied");
  expect(await metricValue(engine.base, "eod_fixes_total")).toBe(fixesBefore + 1);

  const after = await balanceOf("123");
  expect(after).toMatchObject({ eodBalance: "2000.00", currentBalance: "2150.00", availableBalance: "7150.00" });
  expect(after.version).toBe(before.version + 1);
});
