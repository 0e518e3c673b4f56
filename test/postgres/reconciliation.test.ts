/**
 * Reconciliation in the engine against the real Postgres copy: a drift injected into
 * datalake.account is reported with both figures and counted in reconciliation_drift_accounts,
 * then clears once the engine's next write of that account replaces the row.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import pg from "pg";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { metricValue } from "../support/metrics.ts";
import { ensureServices } from "../support/services.ts";
import { eventually } from "../history/historyRules.ts";

const SERVER_URL = "postgres://postgres@127.0.0.1:5432";
const database = `balance_test_reconcile_${Date.now().toString(36)}`;
let admin: pg.Client;
let copy: pg.Client;
let engine: EngineUnderTest;

beforeAll(async () => {
  ensureServices("postgres");
  admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  engine = await startEngineUnderTest({
    DATABASE_URL: `${SERVER_URL}/${database}`, SYNC_MIN_INTERVAL_MS: "10", SYNC_MAX_DELAY_MS: "20", RECONCILE_INTERVAL_MS: "100",
  });
  copy = new pg.Client({ connectionString: `${SERVER_URL}/${database}` });
  await copy.connect();
}, 120_000);

afterAll(async () => {
  await engine?.stop();
  await copy?.end();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

const reconciliation = async () => bodyOf(await engine.get("/v1/admin/reconciliation"));

test("a drift injected into datalake.account is reported with both figures, and then clears", async () => {
  expect((await engine.put("/v1/admin/facilities/rec-fac", { limit: "50.00", currency: "USD" })).status).toBe(200);
  const ids = ["rec-1", "rec-2", "rec-3"];
  await engine.post("/v1/events", ids.map((accountId) => eod({ accountId, facilityId: "rec-fac", balance: "100.00" })));
  const clean = await eventually(reconciliation, (r) => r.accountsChecked === ids.length, "a pass over every account");
  expect(clean).toMatchObject({ driftAccounts: 0, drifts: [], copyUnavailable: false });

  await copy.query("UPDATE datalake.account SET account_balance = account_balance + 7 WHERE account_id = 'rec-2'");
  const drifted = await eventually(reconciliation, (r) => r.driftAccounts === 1, "the drift");
  expect(drifted.drifts).toEqual([{
    accountId: "rec-2", currency: "USD",
    engine: expect.objectContaining({ currentBalance: "100.00", availableBalance: "150.00", version: 1 }),
    copy: expect.objectContaining({ currentBalance: "100.07", availableBalance: "150.00", version: 1 }),
  }]);
  expect(await metricValue(engine.base, "reconciliation_drift_accounts")).toBe(1);

  // The engine's next change of the account is written over the row, and the drift is gone.
  await engine.post("/v1/events", [txn({ accountId: "rec-2", amount: "1.00" })]);
  await eventually(reconciliation, (r) => r.driftAccounts === 0 && r.accountsChecked === ids.length, "the drift to clear");
  expect(await metricValue(engine.base, "reconciliation_drift_accounts")).toBe(0);

  await copy.query("DELETE FROM datalake.account WHERE account_id = 'rec-3'");
  const missing = await eventually(reconciliation, (r) => r.driftAccounts === 1, "the missing row");
  expect(missing.drifts[0]).toMatchObject({ accountId: "rec-3", copy: null });
}, 60_000);
