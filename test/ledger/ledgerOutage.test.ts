/**
 * Postgres stopped for 20 s under a stream of transfers (contract section 7): the ledger worker
 * retries each batch after 2 s, 4 s and 8 s, then gives up on it (the ledger's DLQ with the reason,
 * FAILED, the hold released); once Postgres is back the rest are posted. Every 201 transfer ends
 * POSTED or FAILED, no hold is left, the balances are exactly the posted transfers', and
 * `ledger check` finds nothing. The worker's Postgres is a private server, stopped for real.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bodyOf, eod } from "../support/engineUnderTest.ts";
import { spawnEngine, spawnLedgerWorker, type EngineProcess } from "../support/engineProcess.ts";
import { ledgerCheck, postingsOf } from "../support/ledgerDb.ts";
import { privatePostgres } from "../support/privatePostgres.ts";
import { createTopics, deleteTopics, ensureServices, eventually, kafka, openProducer, uniqueNames } from "../support/services.ts";

const postgres = privatePostgres(5443);
const names = uniqueNames("ledger-outage");
const logFile = `/tmp/${names.id}.log`;
const ACCOUNTS = ["OA", "OB", "OC"].map((name) => `${names.id}-${name}`);
let engine: EngineProcess;
let worker: EngineProcess;
let producer: Awaited<ReturnType<typeof openProducer>>;

beforeAll(async () => {
  ensureServices("kafka", "redis", "postgres");
  postgres.start();
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
  // The engine keeps its facility table in its embedded store: only the ledger's Postgres goes down.
  engine = await spawnEngine({ ...names.env, RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: "100000" }, logFile);
  await fetch(`${engine.base}/v1/admin/facilities/outage-fac`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ limit: "0", currency: "USD" }) });
  await producer.sendMessages(names.eod, ACCOUNTS.map((accountId) => eod({ accountId, facilityId: "outage-fac", balance: "100000.00" })));
  for (const id of ACCOUNTS) await eventually(async () => (await fetch(`${engine.base}/v1/accounts/${id}/balance`)).status === 200, 60_000, `EOD of ${id}`);
  worker = await spawnLedgerWorker({ ...names.env, DATABASE_URL: postgres.url }, logFile);
}, 180_000);

afterAll(async () => {
  await worker?.terminate();
  await engine?.terminate();
  await producer?.disconnect();
  postgres.clean();
  await deleteTopics([names.eod, names.transactions, names.dlq]);
});

interface Sent {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly minor: number;
}

let keys = 0;
async function transfer(i: number): Promise<Sent> {
  const [from, to] = [ACCOUNTS[i % 3]!, ACCOUNTS[(i + 1) % 3]!];
  const minor = 100 + (i % 7);
  const response = await fetch(`${engine.base}/v1/transfers`, {
    method: "POST", headers: { "content-type": "application/json", "idempotency-key": `${names.id}-${++keys}` },
    body: JSON.stringify({ fromAccountId: from, toAccountId: to, amount: (minor / 100).toFixed(2), currency: "USD" }),
  });
  const body = await bodyOf(response);
  if (response.status !== 201 || body.status !== "APPROVED") throw new Error(`transfer ${response.status}: ${JSON.stringify(body)}`);
  return { id: body.transferId as string, from, to, minor };
}

const statusOf = async (id: string) => (await bodyOf(await fetch(`${engine.base}/v1/transfers/${id}`))).status as string;

/** The ledger DLQ's records: each transfer's id and the reason it failed. */
async function deadLetters(expected: number): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const consumer = kafka.consumer({ groupId: `${names.id}-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: names.ledgerDlq, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => {
    const letter = JSON.parse(message.value!.toString());
    found.set(letter.transfer.transferId, letter.reason);
  } });
  await eventually(() => found.size >= expected, 60_000, "the ledger's dead letters");
  await consumer.disconnect();
  return found;
}

test("a 20 s Postgres outage under a stream of transfers: each ends POSTED or FAILED with its hold released, the ledger balances", async () => {
  const sent: Sent[] = [];
  const startedAt = Date.now();
  let i = 0;
  let stoppedAt = 0;
  while (Date.now() - startedAt < 40_000) {
    const elapsed = Date.now() - startedAt;
    if (stoppedAt === 0 && elapsed >= 5000) {
      postgres.stop(); // connections refused from now on
      stoppedAt = Date.now();
    }
    if (stoppedAt !== 0 && stoppedAt > 0 && Date.now() - stoppedAt >= 20_000) {
      postgres.start();
      stoppedAt = -1;
    }
    sent.push(await transfer(i++));
    await Bun.sleep(200);
  }
  const ids = sent.map((s) => s.id);
  const isFinal = (status: string) => status === "POSTED" || status === "FAILED";
  await eventually(async () => (await Promise.all(ids.map(statusOf))).every(isFinal), 120_000, `every transfer POSTED or FAILED (log ${logFile})`);
  const statuses = new Map(await Promise.all(ids.map(async (id) => [id, await statusOf(id)] as const)));
  const failed = ids.filter((id) => statuses.get(id) === "FAILED");
  const posted = ids.filter((id) => statuses.get(id) === "POSTED");
  expect(failed.length).toBeGreaterThan(0); // the outage outlasted the retries
  expect(posted.length).toBeGreaterThan(0);
  expect(failed.length + posted.length).toBe(sent.length); // no 201 transfer lost

  const ledger = await postingsOf(postgres.url, ids);
  for (const id of posted) expect(ledger.get(id)).toEqual({ status: "POSTED", entries: 2 });
  for (const id of failed) expect(ledger.get(id)).toBeUndefined();
  const letters = await deadLetters(failed.length);
  for (const id of failed) expect(letters.get(id)).toStartWith("ledger_unavailable");

  const expectedMinor = new Map(ACCOUNTS.map((id) => [id, 10_000_000]));
  for (const s of sent.filter((s) => statuses.get(s.id) === "POSTED")) {
    expectedMinor.set(s.from, expectedMinor.get(s.from)! - s.minor);
    expectedMinor.set(s.to, expectedMinor.get(s.to)! + s.minor);
  }
  for (const id of ACCOUNTS) {
    await eventually(async () => (await bodyOf(await fetch(`${engine.base}/v1/accounts/${id}/balance`))).currentBalance === (expectedMinor.get(id)! / 100).toFixed(2), 30_000, `the balance of ${id}`);
    expect((await bodyOf(await fetch(`${engine.base}/v1/accounts/${id}/balance`))).holds).toBe("0.00");
  }
  const check = await ledgerCheck(postgres.url);
  expect(check.stdout).toContain("ledger check: 0 violations");
  expect(check.code).toBe(0);
}, 300_000);
