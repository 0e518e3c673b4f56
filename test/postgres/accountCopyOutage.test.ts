/**
 * `?source=db` while Postgres is down: a 503 that says so, with Retry-After, never a 500. The
 * outage is real: a Postgres server of this test's own (scripts/private-postgres.sh), stopped.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { privatePostgres } from "../support/privatePostgres.ts";
import { eventually } from "../support/services.ts";

const postgres = privatePostgres(5442);
let engine: EngineUnderTest;

beforeAll(async () => {
  postgres.start();
  engine = await startEngineUnderTest({ DATABASE_URL: postgres.url, SYNC_MIN_INTERVAL_MS: "50", SYNC_MAX_DELAY_MS: "100" });
}, 300_000);

afterAll(async () => {
  await engine?.stop();
  postgres.clean();
});

test("?source=db while Postgres is down is a 503 database_unavailable with Retry-After, not a 500", async () => {
  await engine.post("/v1/events", eod({ accountId: "PG1", balance: "10.00" }));
  await eventually(async () => (await engine.get("/v1/accounts/PG1/balance?source=db")).status === 200, 30_000, "the copy");
  postgres.stop();
  const response = await engine.get("/v1/accounts/PG1/balance?source=db");
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  expect((await bodyOf(response)).error.code).toBe("database_unavailable");
  expect((await engine.get("/v1/accounts/PG1/balance")).status).toBe(200); // memory still answers
}, 120_000);
