/**
 * The ledger worker with Kafka and Postgres (contract section 7): `--role ledger-worker`
 * processes beside a Kafka-mode engine. Approved transfers are posted once each, whatever is
 * redelivered or killed; the legs come back to the engine and post the transfers; workers share
 * the partitions and carry on when one dies; `ledger check` finds the invariants hold.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { bodyOf, eod } from "../support/engineUnderTest.ts";
import { spawnEngine, spawnLedgerWorker, type EngineProcess } from "../support/engineProcess.ts";
import { ledgerCheck, postingsOf, queryLedger } from "../support/ledgerDb.ts";
import { createDatabase, createTopics, deleteTopics, ensureServices, eventually, openProducer, uniqueNames } from "../support/services.ts";

const names = uniqueNames("ledger");
const logFile = `/tmp/${names.id}.log`;
let databaseUrl = "";
let env: Record<string, string> = {};
let producer: Awaited<ReturnType<typeof openProducer>>;
let engine: EngineProcess;
const workers: EngineProcess[] = [];
const ACCOUNTS = ["LA", "LB", "LC", "LD"].map((name) => `${names.id}-${name}`);

beforeAll(async () => {
  ensureServices("kafka", "redis", "postgres");
  databaseUrl = createDatabase(names.id.replaceAll("-", "_"));
  env = {
    ...names.env, DATABASE_URL: databaseUrl, RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: "100000",
    RECONCILE_INTERVAL_MS: "500", RECONCILE_LEDGER_SETTLE_MS: "1000", SYNC_MIN_INTERVAL_MS: "100", SYNC_MAX_DELAY_MS: "200",
  };
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
  engine = await spawnEngine(env, logFile);
  await fetch(`${engine.base}/v1/admin/facilities/ledger-fac`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ limit: "0", currency: "USD" }) });
  await producer.sendMessages(names.eod, ACCOUNTS.map((accountId) => eod({ accountId, facilityId: "ledger-fac", balance: "100000.00" })));
  for (const id of ACCOUNTS) await eventually(async () => (await fetch(`${engine.base}/v1/accounts/${id}/balance`)).status === 200, 60_000, `EOD of ${id} (log ${logFile})`);
  workers.push(await spawnLedgerWorker(env, logFile));
}, 180_000);

afterAll(async () => {
  for (const worker of workers) await worker.terminate().catch(() => {});
  await engine?.terminate();
  await producer?.disconnect();
  await deleteTopics([names.eod, names.transactions, names.dlq]);
});

let keys = 0;
let firstTransfer = "";
async function transfer(from: string, to: string, amount: string): Promise<string> {
  const response = await fetch(`${engine.base}/v1/transfers`, {
    method: "POST", headers: { "content-type": "application/json", "idempotency-key": `${names.id}-${++keys}` },
    body: JSON.stringify({ fromAccountId: from, toAccountId: to, amount, currency: "USD" }),
  });
  const body = await bodyOf(response);
  if (response.status !== 201 || body.status !== "APPROVED") throw new Error(`transfer ${response.status}: ${JSON.stringify(body)}`);
  return body.transferId as string;
}
const balanceOf = async (id: string) => bodyOf(await fetch(`${engine.base}/v1/accounts/${id}/balance`));
const statusOf = async (id: string) => (await bodyOf(await fetch(`${engine.base}/v1/transfers/${id}`))).status as string;
const allPosted = (ids: readonly string[]) => async () => (await Promise.all(ids.map(statusOf))).every((status) => status === "POSTED");

async function expectLedgerHolds(): Promise<void> {
  const check = await ledgerCheck(databaseUrl);
  expect(check.stdout).toContain("ledger check: 0 violations");
  expect(check.code).toBe(0);
}

test("a transfer goes APPROVED → POSTED: the source falls and the destination rises by the amount, holds are back, the ledger balances", async () => {
  const [from, to] = [ACCOUNTS[0]!, ACCOUNTS[1]!];
  const [before, beforeTo] = [await balanceOf(from), await balanceOf(to)];
  const id = await transfer(from, to, "125.50");
  firstTransfer = id;
  await eventually(allPosted([id]), 60_000, `POSTED (log ${logFile})`);
  expect(await balanceOf(from)).toMatchObject({ currentBalance: "99874.50", holds: before.holds });
  expect((await balanceOf(to)).currentBalance).toBe("100125.50");
  expect(beforeTo.currentBalance).toBe("100000.00");
  const [row] = await queryLedger<{ status: string; amount: string }>(databaseUrl, "SELECT status, amount FROM ledger.transactions WHERE id = $1", [id]);
  expect(row).toEqual({ status: "POSTED", amount: "12550" });
  const entries = await queryLedger<{ account_id: string; direction: string; amount: string }>(databaseUrl,
    "SELECT account_id, direction, amount FROM ledger.entries WHERE transaction_id = $1 ORDER BY direction", [id]);
  expect(entries).toEqual([{ account_id: to, direction: "CREDIT", amount: "12550" }, { account_id: from, direction: "DEBIT", amount: "12550" }]);
  await expectLedgerHolds();
  const metrics = await (await fetch(`${workers[0]!.base}/metrics`)).text();
  expect(metrics).toMatch(/balance_engine_ledger_postings_total\{outcome="posted"\} [1-9]/);
  expect(metrics).toMatch(/balance_engine_ledger_consumer_lag\{partition="\d+"\} 0/);
  expect(metrics).toContain("balance_engine_outbox_pending 0");
}, 120_000);

test("reconciliation compares the engine's transfers with ledger.transactions: a drift injected there is reported with both figures, then clears", async () => {
  const reconciliation = async () => (await bodyOf(await fetch(`${engine.base}/v1/admin/reconciliation`))).ledger;
  await eventually(async () => (await reconciliation())?.transfersChecked >= 1, 30_000, "a pass over the posted transfer");
  expect(await reconciliation()).toMatchObject({ driftTransfers: 0, drifts: [], unavailable: false });
  await queryLedger(databaseUrl, "UPDATE ledger.transactions SET amount = amount + 1 WHERE id = $1", [firstTransfer]);
  try {
    await eventually(async () => (await reconciliation())?.driftTransfers === 1, 30_000, "the drift reported");
    const [from, to] = [ACCOUNTS[0]!, ACCOUNTS[1]!];
    expect((await reconciliation()).drifts).toEqual([{
      transferId: firstTransfer,
      engine: { status: "POSTED", fromAccountId: from, toAccountId: to, amount: "125.50", currency: "USD" },
      ledger: { status: "POSTED", fromAccountId: from, toAccountId: to, amount: "125.51", currency: "USD" },
    }]);
    expect(await (await fetch(`${engine.base}/metrics`)).text()).toContain("balance_engine_reconciliation_ledger_drift_transfers 1");
  } finally {
    await queryLedger(databaseUrl, "UPDATE ledger.transactions SET amount = amount - 1 WHERE id = $1", [firstTransfer]);
  }
  await eventually(async () => (await reconciliation())?.driftTransfers === 0, 30_000, "the drift cleared");
}, 120_000);

test("the same approved record delivered 3 times is posted once, and its legs move the balances once", async () => {
  const [from, to] = [ACCOUNTS[2]!, ACCOUNTS[3]!];
  const before = (await balanceOf(to)).currentBalance;
  const transferId = randomUUID();
  const record = {
    transferId, fromAccountId: from, toAccountId: to, amountMinor: 700, currency: "USD", reference: null, decision: "APPROVE",
    riskScore: 0.1, riskFactors: [], firstStatus: "APPROVED", status: "APPROVED", createdAtMs: Date.now(), updatedAtMs: Date.now(),
    idempotencyScope: `["tests","${transferId}"]`, requestFingerprint: "x",
  };
  for (let i = 0; i < 3; i++) await producer.send({ topic: names.approved, acks: -1, messages: [{ key: from, value: JSON.stringify(record) }] });
  await eventually(async () => (await postingsOf(databaseUrl, [transferId])).get(transferId)?.entries === 2, 60_000, "the posting");
  await eventually(async () => (await balanceOf(to)).currentBalance !== before, 60_000, "the credit leg");
  await Bun.sleep(2000); // time for any second posting to show
  expect((await postingsOf(databaseUrl, [transferId])).get(transferId)).toEqual({ status: "POSTED", entries: 2 });
  const counted = await queryLedger<{ count: string }>(databaseUrl, "SELECT count(*) FROM ledger.transactions WHERE id = $1", [transferId]);
  expect(counted).toEqual([{ count: "1" }]);
  expect((await balanceOf(to)).currentBalance).toBe((Number(before) + 7).toFixed(2));
  await expectLedgerHolds();
}, 120_000);

test("a worker killed with kill -9 between its commit and its offset commit: the restarted one posts nothing twice", async () => {
  await workers.pop()!.terminate();
  const crashing = await spawnLedgerWorker({ ...env, LEDGER_FAILPOINT: "exit_after_post" }, logFile, false);
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(await transfer(ACCOUNTS[i % 2]!, ACCOUNTS[2 + (i % 2)]!, "1.00"));
  await crashing.process.exited;
  expect(crashing.process.signalCode).toBe("SIGKILL");
  const committed = await postingsOf(databaseUrl, ids);
  expect(committed.size).toBeGreaterThan(0); // it died after a commit
  workers.push(await spawnLedgerWorker(env, logFile));
  await eventually(allPosted(ids), 90_000, `all POSTED after the restart (log ${logFile})`);
  const postings = await postingsOf(databaseUrl, ids);
  expect([...postings.values()].every((posting) => posting.status === "POSTED" && posting.entries === 2)).toBe(true);
  expect(postings.size).toBe(ids.length);
  await expectLedgerHolds();
}, 180_000);

test("two workers share the partitions; when one is killed the other carries on", async () => {
  workers.push(await spawnLedgerWorker(env, logFile));
  const first: string[] = [];
  for (let i = 0; i < 12; i++) first.push(await transfer(ACCOUNTS[i % 4]!, ACCOUNTS[(i + 1) % 4]!, "2.00"));
  await eventually(allPosted(first), 90_000, `the first transfers POSTED (log ${logFile})`);
  await workers.shift()!.kill9();
  const second: string[] = [];
  for (let i = 0; i < 12; i++) second.push(await transfer(ACCOUNTS[i % 4]!, ACCOUNTS[(i + 2) % 4]!, "3.00"));
  await eventually(allPosted(second), 120_000, `the transfers after the kill POSTED (log ${logFile})`);
  const postings = await postingsOf(databaseUrl, [...first, ...second]);
  expect([...postings.values()].filter((posting) => posting.status === "POSTED" && posting.entries === 2).length).toBe(24);
  for (const id of ACCOUNTS) expect((await balanceOf(id)).holds).toBe("0.00");
  await expectLedgerHolds();
}, 240_000);

test("ledger check finds a balance that is not the sum of its entries", async () => {
  const [account] = await queryLedger<{ id: string }>(databaseUrl, "SELECT id FROM ledger.accounts ORDER BY id LIMIT 1");
  await queryLedger(databaseUrl, "UPDATE ledger.accounts SET balance = balance + 1 WHERE id = $1", [account!.id]);
  try {
    const check = await ledgerCheck(databaseUrl);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`VIOLATION account balance: the sum of its entries (credits − debits): ${account!.id}`);
  } finally {
    await queryLedger(databaseUrl, "UPDATE ledger.accounts SET balance = balance - 1 WHERE id = $1", [account!.id]);
  }
  await expectLedgerHolds();
}, 60_000);
