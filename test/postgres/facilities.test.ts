/**
 * Facility limits end to end on the PostgreSQL server (DATABASE_URL), not the embedded store:
 * the engine reads `datasource.facility` at each EOD through its cache, and
 * `PUT /v1/admin/facilities/:id` writes the table and pushes the new figures to each account.
 *
 * How a change made straight in the table (not through the PUT) is seen, as these tests pin down:
 * - An EOD reads the limit through a cache; an entry is reused for FACILITY_CACHE_TTL_MS after it
 *   was read. A direct change is therefore seen by the first EOD that reads the facility after its
 *   entry expired, at most FACILITY_CACHE_TTL_MS later; EODs before that still get the old limit.
 * - A direct change is not pushed: accounts that already have the facility keep the old limit
 *   until their next applied EOD reads it again.
 * - The PUT is the way to change a limit during the day: it writes the table, replaces the cache
 *   entry and applies the limit to every account that uses the facility before it answers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { metricDelta, scrapeMetrics } from "../support/metrics.ts";
import { createDatabase, ensureServices, eventually, psql, uniqueNames } from "../support/services.ts";
import { connect } from "../support/wsClient.ts";

const LONG_TTL_MS = 600_000; // outlives the test: the cache never expires within it
const SHORT_TTL_MS = 300;
const runId = uniqueNames("facilities").id.replaceAll("-", "_");
const databases: string[] = [];
let cached: EngineUnderTest; // FACILITY_CACHE_TTL_MS = LONG_TTL_MS
let expiring: EngineUnderTest; // FACILITY_CACHE_TTL_MS = SHORT_TTL_MS

async function engineOnServer(label: string, ttlMs: number): Promise<{ engine: EngineUnderTest; database: string }> {
  const database = `${runId}_${label}`;
  const url = createDatabase(database);
  databases.push(database);
  const engine = await startEngineUnderTest({ DATABASE_URL: url, FACILITY_CACHE_TTL_MS: String(ttlMs) });
  return { engine, database };
}

let cachedDb: string;
let expiringDb: string;
beforeAll(async () => {
  ensureServices("postgres");
  ({ engine: cached, database: cachedDb } = await engineOnServer("cached", LONG_TTL_MS));
  ({ engine: expiring, database: expiringDb } = await engineOnServer("expiring", SHORT_TTL_MS));
}, 120_000);

afterAll(async () => {
  await cached?.stop();
  await expiring?.stop();
  for (const database of databases) psql("postgres", `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
});

/** A row written straight into the table, as the bank's own tools would. */
function setFacilityRow(database: string, facilityId: string, limitMinor: number, currency = "USD"): void {
  psql(database, `INSERT INTO datasource.facility (facility_id, facility_limit, currency) VALUES ('${facilityId}', ${limitMinor}, '${currency}')
    ON CONFLICT (facility_id) DO UPDATE SET facility_limit = EXCLUDED.facility_limit, currency = EXCLUDED.currency, updated_at = now()`);
}

async function ingest(engine: EngineUnderTest, body: unknown) {
  const response = await engine.post("/v1/events", body);
  expect(response.status).toBe(200);
  return (await bodyOf(response)).results as { messageId: string; outcome: string; warning?: string }[];
}

async function balanceOf(engine: EngineUnderTest, accountId: string) {
  const response = await engine.get(`/v1/accounts/${accountId}/balance`);
  expect(response.status).toBe(200);
  return bodyOf(response);
}

describe("an EOD reads datasource.facility on the Postgres server", () => {
  test("an EOD takes its facility's limit from the table", async () => {
    setFacilityRow(cachedDb, "F-READ", 123_456);
    const before = await scrapeMetrics(cached.base);
    expect(await ingest(cached, eod({ accountId: "FR1", facilityId: "F-READ", balance: "1000.00" }))).toEqual([expect.objectContaining({ outcome: "applied" })]);
    expect(await balanceOf(cached, "FR1")).toMatchObject({ facilityLimit: "1234.56", facilityLimitKnown: true, availableBalance: "2234.56" });
    expect(metricDelta(before, await scrapeMetrics(cached.base), "facility_lookups_total", { result: "found" })).toBe(1);
  });

  test("an EOD whose facility is not in the table is applied with facility_not_found, available unknown, and a copy dead-lettered", async () => {
    const before = await scrapeMetrics(cached.base);
    const [result] = await ingest(cached, eod({ accountId: "FN1", facilityId: "F-ABSENT" }));
    expect(result).toMatchObject({ outcome: "applied", warning: "facility_not_found" });
    expect(await balanceOf(cached, "FN1")).toMatchObject({ facilityLimit: null, facilityLimitKnown: false, availableBalance: null });
    const { items } = await bodyOf(await cached.get("/v1/dlq?limit=1"));
    expect(items[0]).toMatchObject({ messageId: result!.messageId, reason: "facility_not_found" });
    const after = await scrapeMetrics(cached.base);
    expect({
      notFound: metricDelta(before, after, "facility_lookups_total", { result: "not_found" }),
      dlq: metricDelta(before, after, "dlq_total", { reason: "facility_not_found" }),
    }).toEqual({ notFound: 1, dlq: 1 });
  });

  test("a facility of another currency counts as not found for the account (README: a limit applies to accounts of its currency)", async () => {
    setFacilityRow(cachedDb, "F-EUR", 100_000, "EUR");
    const [result] = await ingest(cached, eod({ accountId: "FC1", facilityId: "F-EUR", currency: "USD" }));
    expect(result).toMatchObject({ outcome: "applied", warning: "facility_not_found" });
    expect(await balanceOf(cached, "FC1")).toMatchObject({ facilityLimitKnown: false, availableBalance: null });
    await ingest(cached, eod({ accountId: "FC2", facilityId: "F-EUR", currency: "EUR" }));
    expect(await balanceOf(cached, "FC2")).toMatchObject({ currency: "EUR", facilityLimit: "1000.00", availableBalance: "2000.00" });
  });
});

describe("the facility cache (FACILITY_CACHE_TTL_MS)", () => {
  test("a change made straight in the table is not seen by EODs while the cached limit lives", async () => {
    setFacilityRow(cachedDb, "F-CACHE", 10_000);
    await ingest(cached, eod({ accountId: "CA1", facilityId: "F-CACHE" }));
    setFacilityRow(cachedDb, "F-CACHE", 20_000);
    expect(psql(cachedDb, "SELECT facility_limit FROM datasource.facility WHERE facility_id = 'F-CACHE'").trim()).toBe("20000");
    await ingest(cached, eod({ accountId: "CA2", facilityId: "F-CACHE" }));
    expect((await balanceOf(cached, "CA2")).facilityLimit).toBe("100.00");
    expect((await balanceOf(cached, "CA1")).facilityLimit).toBe("100.00");
  });

  test("a change made straight in the table is seen by the first EOD after the cached entry expired; accounts that have the facility keep theirs until their next EOD", async () => {
    setFacilityRow(expiringDb, "F-TTL", 10_000);
    await ingest(expiring, eod({ accountId: "TT0", facilityId: "F-TTL" }));
    expect((await balanceOf(expiring, "TT0")).facilityLimit).toBe("100.00");
    setFacilityRow(expiringDb, "F-TTL", 20_000);
    // Each attempt is an EOD of a new account, so that each one reads the facility afresh.
    let attempt = 0;
    await eventually(async () => {
      const accountId = `TT${++attempt}`;
      await ingest(expiring, eod({ accountId, facilityId: "F-TTL" }));
      return (await balanceOf(expiring, accountId)).facilityLimit === "200.00";
    }, 30_000, `an EOD reading the changed limit within FACILITY_CACHE_TTL_MS (${SHORT_TTL_MS} ms)`);
    expect((await balanceOf(expiring, "TT0")).facilityLimit).toBe("100.00"); // not pushed
    await ingest(expiring, eod({ accountId: "TT0", facilityId: "F-TTL", timestamp: "2026-11-22T04:00:00Z" }));
    expect(await balanceOf(expiring, "TT0")).toMatchObject({ facilityLimit: "200.00", availableBalance: "1200.00" });
  });
});

describe("PUT /v1/admin/facilities/:facilityId on the Postgres server", () => {
  test("writes the limit to datasource.facility in minor units with its currency, as an upsert", async () => {
    const first = await cached.put("/v1/admin/facilities/F-PUT", { limit: "250.50" });
    expect(await bodyOf(first)).toEqual({ facilityId: "F-PUT", limit: "250.50", currency: "USD", accountsUpdated: 0 });
    expect(psql(cachedDb, "SELECT facility_limit, currency FROM datasource.facility WHERE facility_id = 'F-PUT'").trim()).toBe("25050|USD");
    await cached.put("/v1/admin/facilities/F-PUT", { limit: "7", currency: "JPY" });
    expect(psql(cachedDb, "SELECT count(*), max(facility_limit), max(currency) FROM datasource.facility WHERE facility_id = 'F-PUT'").trim()).toBe("1|7|JPY");
  });

  test("updates the cache at once: the next EOD reads the new limit, whatever FACILITY_CACHE_TTL_MS says", async () => {
    setFacilityRow(cachedDb, "F-NOW", 10_000);
    await ingest(cached, eod({ accountId: "PN1", facilityId: "F-NOW" }));
    await cached.put("/v1/admin/facilities/F-NOW", { limit: "300.00" });
    await ingest(cached, eod({ accountId: "PN2", facilityId: "F-NOW" }));
    expect((await balanceOf(cached, "PN2")).facilityLimit).toBe("300.00");
  });

  test("applies a limit only to the accounts of its currency (README: another currency counts as not found)", async () => {
    setFacilityRow(cachedDb, "F-MIX", 10_000, "USD");
    await ingest(cached, [eod({ accountId: "PM1", facilityId: "F-MIX", currency: "USD" }), eod({ accountId: "PM2", facilityId: "F-MIX", currency: "EUR" })]);
    expect((await balanceOf(cached, "PM2")).facilityLimitKnown).toBe(false);
    const response = await cached.put("/v1/admin/facilities/F-MIX", { limit: "500.00", currency: "EUR" });
    expect((await bodyOf(response)).accountsUpdated).toBe(2);
    expect(await balanceOf(cached, "PM2")).toMatchObject({ currency: "EUR", facilityLimit: "500.00", availableBalance: "1500.00" });
    // The USD account never takes a EUR limit: the facility, now in EUR, counts as not found for it.
    expect(await balanceOf(cached, "PM1")).toMatchObject({ facilityLimitKnown: false, facilityLimit: null, availableBalance: null });
  });

  test("pushes one balance update with the new limit to each account that uses the facility, and none to the others", async () => {
    setFacilityRow(cachedDb, "F-WS", 10_000);
    setFacilityRow(cachedDb, "F-OTHER", 10_000);
    await ingest(cached, [eod({ accountId: "PW1", facilityId: "F-WS" }), eod({ accountId: "PW2", facilityId: "F-WS" }), eod({ accountId: "PW3", facilityId: "F-OTHER" })]);
    const accounts = ["PW1", "PW2", "PW3"];
    const client = await connect(cached.wsUrl);
    client.send({ op: "subscribe", accounts });
    const initial = new Map<string, any>();
    for (const id of accounts) initial.set(id, await client.next((m) => m.type === "balance" && m.accountId === id));

    const response = await cached.put("/v1/admin/facilities/F-WS", { limit: "250.00" });
    expect((await bodyOf(response)).accountsUpdated).toBe(2);
    // A marker per account after the PUT: once it arrives, any push of the PUT has arrived too.
    await ingest(cached, accounts.map((id) => txn({ accountId: id, amount: "1.00" })));
    for (const id of accounts) await client.next((m) => m.type === "balance" && m.accountId === id && m.currentBalance === "1001.00");
    const pushes = (id: string) => client.received.filter((m) => m.type === "balance" && m.accountId === id).map((m) => [m.version, m.facilityLimit, m.availableBalance]);
    const v = (id: string) => initial.get(id).version;
    expect(pushes("PW1")).toEqual([[v("PW1"), "100.00", "1100.00"], [v("PW1") + 1, "250.00", "1250.00"], [v("PW1") + 2, "250.00", "1251.00"]]);
    expect(pushes("PW2")).toEqual([[v("PW2"), "100.00", "1100.00"], [v("PW2") + 1, "250.00", "1250.00"], [v("PW2") + 2, "250.00", "1251.00"]]);
    expect(pushes("PW3")).toEqual([[v("PW3"), "100.00", "1100.00"], [v("PW3") + 1, "100.00", "1101.00"]]);
    client.close();
  });
});
