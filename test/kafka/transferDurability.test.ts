/**
 * Transfers with Kafka: a 201 is durable (the decision is on the journal topic, acks=all, before
 * the answer), so a kill -9 right after it loses nothing; the restarted engine has the hold, the
 * transfer's status and its key. Approved transfers reach the ledger's topic.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import { bodyOf, eod } from "../support/engineUnderTest.ts";
import { connect } from "../support/wsClient.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { createTopics, deleteTopics, ensureServices, eventually, kafka, openProducer, uniqueNames } from "../support/services.ts";

const names = uniqueNames("transfer-durable");
const logFile = `/tmp/${names.id}.log`;
// No periodic snapshot: after the kill -9 the hold can only come back from the journal.
const env = { ...names.env, SNAPSHOT_INTERVAL_MS: "600000" };
let producer: Awaited<ReturnType<typeof openProducer>>;
let engine: EngineProcess | null = null;

beforeAll(async () => {
  ensureServices("kafka", "redis");
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
  engine = await spawnEngine(env, logFile);
  await producer.sendMessages(names.eod, ["TD1", "TD2", "TD3"].map((accountId) => eod({ accountId, facilityId: "none", balance: "1000.00" })));
  await eventually(async () => (await fetch(`${engine!.base}/v1/accounts/TD3/balance`)).status === 200, 60_000, `the EODs (log ${logFile})`);
}, 180_000);

afterAll(async () => {
  await engine?.terminate();
  await producer?.disconnect();
  await deleteTopics([names.eod, names.transactions, names.dlq]); // and the engine's journal and approved topics
});

const transfer = (base: string, key: string, body: Record<string, unknown>) =>
  fetch(`${base}/v1/transfers`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify(body) });

/** Accounts with facility "none" have an unknown limit: no available balance. Give TD1 a limit first. */
async function withLimit(base: string): Promise<void> {
  await fetch(`${base}/v1/admin/facilities/none`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ limit: "0" }) });
}

test("kill -9 right after a 201: after the restart the hold is there, the status is the same, and the key replays the first answer", async () => {
  await withLimit(engine!.base);
  const request = { fromAccountId: "TD1", toAccountId: "TD2", amount: "125.00", currency: "USD" };
  const first = await transfer(engine!.base, "durable-1", request);
  expect(first.status).toBe(201);
  const firstBody = await bodyOf(first);
  await engine!.kill9(); // at once, and no snapshot was written: only the journal has it
  engine = await spawnEngine(env, logFile);
  const base = engine.base;
  await eventually(async () => (await fetch(`${base}/v1/transfers/${firstBody.transferId}`)).status === 200, 60_000, `the transfer back (log ${logFile})`);
  expect((await bodyOf(await fetch(`${base}/v1/transfers/${firstBody.transferId}`))).status).toBe(firstBody.status);
  // (The facility table is this engine's in-memory embedded store, gone with it: only the hold is compared.)
  expect(await bodyOf(await fetch(`${base}/v1/accounts/TD1/balance`))).toMatchObject({ currentBalance: "1000.00", holds: "125.00" });
  await eventually(async () => (await transfer(base, "durable-1", request)).status !== 503, 30_000, "the partition decided here again");
  const again = await transfer(base, "durable-1", request);
  expect(again.status).toBe(201);
  expect(again.headers.get("idempotent-replayed")).toBe("true");
  expect(await bodyOf(again)).toEqual(firstBody);
}, 240_000);

test("an approved transfer is published to the ledger's topic, keyed by its source account", async () => {
  await withLimit(engine!.base);
  const response = await transfer(engine!.base, "approved-1", { fromAccountId: "TD3", toAccountId: "TD2", amount: "5.00", currency: "USD" });
  const { transferId, status } = await bodyOf(response);
  expect(status).toBe("APPROVED");
  const consumer = kafka.consumer({ groupId: `${names.id}-ledger-reader` });
  const seen: { key: string; transferId: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [names.approved], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push({ key: String(message.key), transferId: JSON.parse(String(message.value)).transferId }) });
  try {
    await eventually(() => seen.some((record) => record.transferId === transferId), 60_000, "the approved record");
    expect(seen.find((record) => record.transferId === transferId)!.key).toBe("TD3");
  } finally {
    await consumer.disconnect();
  }
}, 120_000);

test("two instances: a transfer sent to the one that does not own the source is decided by the owner, once", async () => {
  const second = await spawnEngine({ ...env, INSTANCE_ID: `${names.id}-b` }, `${logFile}.b`);
  try {
    const shardsOf = async (base: string) => ((await (await fetch(`${base}/ready`)).json()) as { shards?: number[] }).shards ?? [];
    await eventually(async () => (await shardsOf(engine!.base)).length > 0 && (await shardsOf(second.base)).length > 0
      && (await shardsOf(engine!.base)).length + (await shardsOf(second.base)).length === 12, 90_000, "the two instances sharing the partitions");
    const firstShards = await shardsOf(engine!.base);
    const accounts = ["TD1", "TD2", "TD3"];
    const ownedByFirst = accounts.find((id) => firstShards.includes(partitionForKey(id, 12)));
    const other = accounts.find((id) => id !== ownedByFirst)!;
    if (ownedByFirst === undefined) throw new Error("no test account on the first instance's partitions: pick more accounts");
    await withLimit(engine!.base);
    const before = (await bodyOf(await fetch(`${engine!.base}/v1/accounts/${ownedByFirst}/balance`))).holds;
    // A WebSocket client of the second instance, subscribed to the source account, hears of the transfer (over the bus).
    const client = await connect(`ws://127.0.0.1:${new URL(second.base).port}/v1/ws`);
    client.send({ op: "subscribe", accounts: [ownedByFirst] });
    await client.next((m) => m.type === "balance" && m.accountId === ownedByFirst);
    const request = { fromAccountId: ownedByFirst, toAccountId: other, amount: "3.00", currency: "USD" };
    const viaSecond = await transfer(second.base, "forwarded-1", request);
    expect(viaSecond.status).toBe(201);
    const body = await bodyOf(viaSecond);
    expect(await client.next((m) => m.type === "transfer" && m.transferId === body.transferId)).toMatchObject({ fromAccountId: ownedByFirst, amount: "3.00" });
    client.close();
    const onOwner = await fetch(`${engine!.base}/v1/transfers/${body.transferId}`);
    expect((await bodyOf(onOwner)).status).toBe(body.status);
    const again = await transfer(second.base, "forwarded-1", request);
    expect({ replayed: again.headers.get("idempotent-replayed"), transferId: (await bodyOf(again)).transferId }).toEqual({ replayed: "true", transferId: body.transferId });
    const holds = (await bodyOf(await fetch(`${engine!.base}/v1/accounts/${ownedByFirst}/balance`))).holds;
    expect(Math.round(Number(holds) * 100) - Math.round(Number(before) * 100)).toBe(300); // one hold
  } finally {
    await second.terminate();
  }
}, 240_000);
