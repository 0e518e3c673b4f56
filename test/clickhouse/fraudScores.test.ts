/** With ClickHouse, every transfer decision's risk score and factors land in fraud_scores_history. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { CLICKHOUSE_URL, dropTestDatabase, openTestConnection, selectRows, testDatabaseName } from "../support/clickhouse.ts";
import { ensureServices, eventually } from "../support/services.ts";

const connection = openTestConnection();
const database = testDatabaseName();
let engine: EngineUnderTest;

beforeAll(async () => {
  ensureServices("clickhouse");
  engine = await startEngineUnderTest({ CLICKHOUSE_URL, CLICKHOUSE_DATABASE: database, EVENT_LOG_FLUSH_MS: "50" });
  await engine.put("/v1/admin/facilities/FS", { limit: "0" });
  for (const accountId of ["FS1", "FS2"]) await engine.post("/v1/events", eod({ accountId, facilityId: "FS", balance: "1000.00" }));
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  await dropTestDatabase(connection, database);
});

test("a decision's score, decision and factors are a row of fraud_scores_history", async () => {
  const response = await fetch(`${engine.base}/v1/transfers`, {
    method: "POST", headers: { "content-type": "application/json", "idempotency-key": "fraud-1" },
    body: JSON.stringify({ fromAccountId: "FS1", toAccountId: "FS2", amount: "25.00", currency: "USD" }),
  });
  const transfer = await bodyOf(response);
  type Row = { transfer_id: string; decision: string; risk_score: number; amount_minor: string; risk_factors: string };
  let rows: Row[] = [];
  await eventually(async () => {
    rows = await selectRows<Row>(connection, `SELECT transfer_id, decision, risk_score, toString(amount_minor) AS amount_minor, risk_factors FROM \`${database}\`.fraud_scores_history`).catch(() => []);
    return rows.length > 0;
  }, 30_000, "the score's row");
  expect(rows).toHaveLength(1);
  expect({ ...rows[0]!, risk_factors: JSON.parse(rows[0]!.risk_factors) }).toEqual({
    transfer_id: transfer.transferId, decision: transfer.decision, risk_score: transfer.riskScore, amount_minor: "2500", risk_factors: transfer.riskFactors,
  });
});
