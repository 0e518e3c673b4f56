/**
 * ws-fanout's load generator, its own process (spawned with IPC by ws-fanout.bench.ts):
 *
 * 1. opens ACCOUNTS WebSocket connections to WS_URL, each subscribing to one distinct account,
 *    and waits for each one's initial balance (its `version` v0): then tells the parent
 *    `{phase:"subscribed"}` and waits for `{cmd:"go"}` (the parent reads the server's RSS);
 * 2. posts transactions at a steady RATE for DURATION_SEC (POST /v1/events every TICK_MS,
 *    accounts round-robin), noting when each account's k-th update was sent;
 * 3. every balance message with version v0 + k is matched to that send time: delivery latency =
 *    receive time − send time, on this process's one clock; then reports `{phase:"done"}`.
 *
 * Env: HTTP_BASE, WS_URL, ACCOUNT_PREFIX, ACCOUNTS, RATE, DURATION_SEC, RUN.
 */
import { readFileSync } from "node:fs";
import { LatencyRecorder } from "./latency.ts";
import { postEvents, transactionMessage, transactionMinorOf, type Outcomes } from "./restBenchEvents.ts";

export interface SubscribedReport {
  readonly phase: "subscribed";
  readonly subscribed: number;
  readonly connectSec: number;
  readonly closedEarly: number;
}

export interface DoneReport {
  readonly phase: "done";
  readonly sent: number;
  readonly applied: number;
  readonly notApplied: string[];
  readonly delivered: number;
  readonly unmatched: number;
  readonly closed: number;
  readonly closeCodes: string;
  readonly sendSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly postP99Ms: number;
  readonly lateTicks: number;
}

export interface FailedReport {
  readonly phase: "failed";
  readonly error: string;
}

export type LoadGenReport = SubscribedReport | DoneReport | FailedReport;

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is required`);
  return value;
};
const HTTP_BASE = env("HTTP_BASE");
const WS_URL = env("WS_URL");
const PREFIX = env("ACCOUNT_PREFIX");
const ACCOUNTS = Number(env("ACCOUNTS"));
const RATE = Number(env("RATE"));
const DURATION_SEC = Number(env("DURATION_SEC"));
const RUN = env("RUN");
const TICK_MS = 10;
const OPENING_MAX = 200;
const CONNECT_TIMEOUT_MS = 90_000;
const DRAIN_TIMEOUT_MS = 10_000;

const send = (report: LoadGenReport) => process.send!(report);

function openFilesLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s+/)[3] ?? "0");
}

const updatesMax = Math.ceil((RATE * DURATION_SEC) / ACCOUNTS) + 4;
const sentAt = new Float64Array(ACCOUNTS * updatesMax); // account × k → performance.now() at send
const sentCount = new Uint16Array(ACCOUNTS);
const initialVersion = new Float64Array(ACCOUNTS).fill(-1);
const latency = new LatencyRecorder();
const sockets: WebSocket[] = new Array(ACCOUNTS);
const closeCodes = new Map<number, number>();
let subscribed = 0;
let delivered = 0;
let unmatched = 0;
let closed = 0;
let maxMs = 0;

function onMessage(account: number, data: unknown): void {
  const now = performance.now();
  const message = JSON.parse(String(data)) as { type?: string; version?: number; accountId?: string };
  if (message.type !== "balance" || typeof message.version !== "number") return;
  if (initialVersion[account] === -1) {
    initialVersion[account] = message.version;
    subscribed += 1;
    return;
  }
  const k = message.version - initialVersion[account]!;
  if (k < 1 || k > sentCount[account]! || message.accountId !== `${PREFIX}${account}`) {
    unmatched += 1;
    return;
  }
  const ms = now - sentAt[account * updatesMax + k - 1]!;
  latency.record(ms);
  if (ms > maxMs) maxMs = ms;
  delivered += 1;
}

async function connectAll(): Promise<void> {
  let opening = 0;
  for (let account = 0; account < ACCOUNTS; account++) {
    while (opening >= OPENING_MAX) await Bun.sleep(1);
    opening += 1;
    const ws = new WebSocket(WS_URL);
    sockets[account] = ws;
    let settled = false;
    const settle = () => {
      if (!settled) opening -= 1;
      settled = true;
    };
    ws.onopen = () => {
      settle();
      ws.send(JSON.stringify({ op: "subscribe", accounts: [`${PREFIX}${account}`] }));
    };
    ws.onmessage = (event) => onMessage(account, event.data);
    ws.onclose = (event) => {
      settle();
      closed += 1;
      closeCodes.set(event.code, (closeCodes.get(event.code) ?? 0) + 1);
    };
  }
  const deadline = performance.now() + CONNECT_TIMEOUT_MS;
  while (subscribed + closed < ACCOUNTS && performance.now() < deadline) await Bun.sleep(20);
}

async function postSteadily(): Promise<{ outcomes: Outcomes; sent: number; sendSec: number; postP99Ms: number; lateTicks: number }> {
  const outcomes: Outcomes = { applied: 0, other: 0, samples: [] };
  const postLatency = new LatencyRecorder(100_000);
  const inFlight = new Set<Promise<void>>();
  const total = Math.floor(RATE * DURATION_SEC);
  let sent = 0;
  let lateTicks = 0;
  const started = performance.now();
  for (let tick = 1; sent < total; tick++) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    if (due > sent) {
      const messages: string[] = [];
      const at = performance.now();
      for (; sent < due; sent++) {
        const account = sent % ACCOUNTS;
        const k = ++sentCount[account]!;
        sentAt[account * updatesMax + k - 1] = at;
        messages.push(transactionMessage(RUN, `${PREFIX}${account}`, sent, transactionMinorOf(account, k)));
      }
      const post: Promise<void> = postEvents(HTTP_BASE, messages, outcomes).then(() => {
        postLatency.record(performance.now() - at);
        inFlight.delete(post);
      });
      inFlight.add(post);
    }
    const next = started + tick * TICK_MS;
    const wait = next - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    else lateTicks += 1;
  }
  const sendSec = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  return { outcomes, sent, sendSec, postP99Ms: postLatency.percentiles().p99Ms, lateTicks };
}

async function main(): Promise<void> {
  const limit = openFilesLimit();
  if (limit < ACCOUNTS + 200) throw new Error(`open files limit ${limit} is below ${ACCOUNTS + 200}: raise ulimit -n`);
  const go = new Promise<void>((resolve) => process.on("message", (m: { cmd?: string }) => m.cmd === "go" && resolve()));

  const connectStarted = performance.now();
  await connectAll();
  send({ phase: "subscribed", subscribed, connectSec: (performance.now() - connectStarted) / 1000, closedEarly: closed });
  if (subscribed < ACCOUNTS) return;
  await go;

  const closedBefore = closed;
  const posted = await postSteadily();
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (delivered + unmatched < posted.outcomes.applied && performance.now() < deadline) await Bun.sleep(20);
  const { p50Ms, p99Ms, p999Ms } = latency.percentiles();
  send({
    phase: "done", sent: posted.sent, applied: posted.outcomes.applied, notApplied: posted.outcomes.samples,
    delivered, unmatched, closed: closed - closedBefore,
    closeCodes: [...closeCodes].map(([code, n]) => `${code}×${n}`).join(" "),
    sendSec: posted.sendSec, p50Ms, p99Ms, p999Ms, maxMs, postP99Ms: posted.postP99Ms,
    lateTicks: posted.lateTicks,
  });
}

try {
  await main();
} catch (error) {
  send({ phase: "failed", error: String(error instanceof Error ? error.stack : error) });
}
for (const ws of sockets) ws?.close();
await Bun.sleep(200);
process.exit(0);
