/**
 * Issue 8, item 9: 1,500 WebSocket clients that subscribe and never read must not grow the
 * engine's memory without bound. The engine (its own process, embedded mode, default limits)
 * cuts off the clients that fall behind once all of them together hold WS_BUFFERS_TOTAL_BYTES_MAX
 * unsent bytes, and its resident memory stays within a documented budget above its RSS before
 * the clients came. A client that reads keeps getting every update meanwhile.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { eventually } from "../support/services.ts";
import { openSlowClients } from "../support/slowWsClients.ts";
import { connect } from "../support/wsClient.ts";

const SLOW_CLIENTS = 1500;
const UNKNOWN_ACCOUNTS_PER_CLIENT = 200;
const UPDATES = 20_000;
const BATCH = 500;
/**
 * The budget the README promises: RSS with these clients stays within this much above the RSS
 * before them. It was 256 MiB while "before" still held the embedded store's start-up garbage
 * (~650 MiB then); from a clean start (~280 MiB) the same load peaks 350-370 MiB above, most of it
 * the 300,000 refused subscriptions' garbage not yet collected (without the unknown accounts:
 * ~180 MiB). Bounded is the point: past WS_BUFFERS_TOTAL_BYTES_MAX the clients are cut off.
 */
const RSS_BUDGET_MIB = 512;

let engine: EngineProcess;
const logFile = `/tmp/slow-clients-${Date.now()}.log`;

beforeAll(async () => {
  engine = await spawnEngine({}, logFile);
}, 60_000);

afterAll(async () => {
  await engine?.terminate();
});

function rssMib(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
}

async function post(body: unknown): Promise<void> {
  const response = await fetch(`${engine.base}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

test(`${SLOW_CLIENTS} clients that never read keep the engine's RSS within ${RSS_BUDGET_MIB} MiB of what it was, and a reading client hears every update`, async () => {
  await post(eod({ accountId: "S1", balance: "0.00", facilityId: "none" }));
  await post(txn({ accountId: "S1", amount: "0.01" })); // warm the paths once before measuring
  Bun.gc(true);
  const before = rssMib(engine.process.pid);

  const unknown = (client: number) => Array.from({ length: UNKNOWN_ACCOUNTS_PER_CLIENT }, (_, i) => `nobody-${client}-${i}`);
  const slow = await openSlowClients(engine.port, SLOW_CLIENTS, { op: "subscribe", accounts: ["S1", ...unknown(0)] });
  const reader = await connect(`ws://127.0.0.1:${engine.port}/v1/ws`);
  reader.send({ op: "subscribe", accounts: ["S1"] });
  await reader.next((m) => m.type === "balance" && m.accountId === "S1");

  let peak = 0;
  for (let sent = 0; sent < UPDATES; sent += BATCH) {
    await post(Array.from({ length: BATCH }, () => txn({ accountId: "S1", amount: "0.01" })));
    peak = Math.max(peak, rssMib(engine.process.pid));
  }
  const finalVersion = 2 + UPDATES;
  await reader.next((m) => m.type === "balance" && m.version === finalVersion, 30_000);
  const metrics = await (await fetch(`${engine.base}/metrics`)).text();
  const slowDisconnects = Number(/^(?:balance_engine_)?ws_slow_disconnects_total (\d+)/m.exec(metrics)?.[1] ?? -1);
  const buffered = Number(/^(?:balance_engine_)?ws_buffered_bytes (\d+)/m.exec(metrics)?.[1] ?? -1);
  slow.destroy();
  reader.close();

  console.log(`RSS before ${before.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB; slow clients cut off: ${slowDisconnects}; unsent bytes held at the end: ${buffered}`);
  expect(peak - before).toBeLessThan(RSS_BUDGET_MIB);
  expect(slowDisconnects).toBeGreaterThan(0);
  expect(buffered).toBeLessThanOrEqual(64 * 1024 * 1024);
  await eventually(async () => (await fetch(`${engine.base}/health`)).ok, 5_000, "the engine to stay up");
}, 300_000);
