/**
 * Two engine processes in one consumer group share the partitions. One is killed mid-stream; the
 * survivor takes its partitions, recovers their accounts and carries on. A WebSocket client on
 * the survivor hears about every account, including those the other instance owned.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { partitionForKey } from "../../src/runtime/partitionForKey.ts";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { createTopics, deleteTopics, ensureServices, eventually, openProducer, uniqueNames } from "../support/services.ts";
import { connect } from "../support/wsClient.ts";

const ACCOUNTS = 48;
const names = uniqueNames("two");
const logFile = `/tmp/${names.id}.log`;
let producer: Awaited<ReturnType<typeof openProducer>>;
const engines: EngineProcess[] = [];

beforeAll(async () => {
  ensureServices("kafka", "redis");
  await createTopics([names.eod, names.transactions, names.dlq]);
  producer = await openProducer();
}, 120_000);

afterAll(async () => {
  for (const engine of engines) await engine.terminate().catch(() => {});
  await producer?.disconnect();
  await deleteTopics([names.eod, names.transactions, names.dlq]); // after the engines stopped
});

async function shardsOf(engine: EngineProcess): Promise<number[]> {
  const body = (await (await fetch(`${engine.base}/ready`)).json()) as { status: string; shards?: number[] };
  return body.status === "ready" ? (body.shards ?? []) : [];
}

test("when one of two instances is killed mid-stream, the other recovers its accounts and balances stay correct", async () => {
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `T${i}`);
  const expectedMinor = new Map(accounts.map((id) => [id, 100_000]));
  await producer.sendMessages(names.eod, accounts.map((id) => eod({ accountId: id, balance: "1000.00", facilityId: "none" })));

  const env = { ...names.env, SNAPSHOT_INTERVAL_MS: "100" };
  const [a, b] = [await spawnEngine({ ...env, INSTANCE_ID: "a" }, logFile), await spawnEngine({ ...env, INSTANCE_ID: "b" }, logFile)];
  engines.push(a, b);
  let shardsOfA: number[] = [];
  await eventually(async () => {
    const [sa, sb] = [await shardsOf(a), await shardsOf(b)];
    shardsOfA = sa;
    return sa.length > 0 && sb.length > 0 && new Set([...sa, ...sb]).size === 12 && sa.length + sb.length === 12;
  }, 60_000, "both instances to share the 12 partitions");

  const client = await connect(`ws://127.0.0.1:${b.port}/v1/ws`);
  client.send({ op: "subscribe", accounts });
  const ownedByA = accounts.filter((id) => shardsOfA.includes(partitionForKey(id, 12)));
  expect(ownedByA.length).toBeGreaterThan(0);

  const produceRound = async (round: number) => {
    const batch = accounts.flatMap((id) => [1, 2, 3].map((k) => {
      const amountMinor = round * 100 + k;
      expectedMinor.set(id, expectedMinor.get(id)! + amountMinor);
      return txn({ accountId: id, amount: (amountMinor / 100).toFixed(2) });
    }));
    await producer.sendMessages(names.transactions, batch);
  };
  // Before the kill: the client on B hears about an account that A owns (through Redis pub/sub).
  // B said hello on joining the bus, so A publishes the very next update (see balanceBusNewListener).
  const watched = ownedByA[0]!;
  const heardOfWatched = () => client.received.some((m) => m.type === "balance" && m.accountId === watched && m.version > 1);
  expectedMinor.set(watched, expectedMinor.get(watched)! + 1);
  await producer.sendMessages(names.transactions, [txn({ accountId: watched, amount: "0.01" })]);
  await eventually(() => heardOfWatched(), 30_000, `an update of ${watched} from A`);
  await produceRound(1);

  await produceRound(2);
  await a.kill9();
  await produceRound(3);
  await produceRound(4);

  const expectedText = (id: string) => (expectedMinor.get(id)! / 100).toFixed(2);
  await eventually(async () => {
    for (const id of accounts) {
      const response = await fetch(`${b.base}/v1/accounts/${id}/balance`);
      if (response.status !== 200 || ((await response.json()) as { currentBalance: string }).currentBalance !== expectedText(id)) return false;
    }
    return true;
  }, 90_000, `the survivor's balances (log ${logFile})`);
  expect((await shardsOf(b)).length).toBe(12);

  // The WebSocket client on the survivor saw every account reach its final balance.
  const sawFinal = (id: string) => client.received.some((m) => m.type === "balance" && m.accountId === id && m.currentBalance === expectedText(id));
  await eventually(() => accounts.every(sawFinal), 30_000, "the WebSocket client to see every final balance");
  client.close();
}, 300_000);
