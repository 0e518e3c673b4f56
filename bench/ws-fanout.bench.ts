/**
 * ws-fanout: 10k WebSocket clients, one account each, updates posted at a steady rate. Delivery
 * latency (post sent → balance message received, matched by account and version) and the
 * engine's RSS per connection, beside a bare Bun.serve + Map + native pub/sub serving the same
 * protocol to the same load generator (a separate process from both).
 */
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";
import type { Benchmark, BenchResult, Measurement } from "./lib/benchResult.ts";
import { BENCH_ROOT, freePort, startEngineProcess, waitUntil } from "./lib/benchServices.ts";
import { peakRssMb, rssMb } from "./lib/processMemory.ts";
import { eodMessage, postAll, putFacilities } from "./lib/restBenchEvents.ts";
import type { DoneReport, LoadGenReport, SubscribedReport } from "./lib/wsBenchLoadGen.ts";

const CLIENTS = 10_000;
const RATE = 5_000; // transactions/s, round-robin over the 10k accounts
const DURATION_SEC = 15;
const P99_TARGET_MS = 10;
const KB_PER_CONNECTION_TARGET = 20;
const PHASE_TIMEOUT_MS = 150_000;

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

interface Target {
  readonly label: string;
  readonly base: string;
  readonly wsUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
}

interface PhaseResult {
  readonly target: Target;
  readonly rssBeforeMb: number;
  readonly rssConnectedMb: number;
  readonly rssAfterMb: number;
  readonly peakMb: number;
  readonly subscribed: SubscribedReport;
  readonly done: DoneReport;
}

function openFilesLimit(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s+/)[3] ?? "0");
}

async function startEngine(): Promise<Target> {
  // The datalake sync is pushed past the run (its one-off burst after the bulk EOD load is not
  // steady state), as in rest-read.
  const engine = await startEngineProcess({ SYNC_MAX_DELAY_MS: "3600000", SYNC_MIN_INTERVAL_MS: "3600000" });
  return { label: "engine (Elysia ws + SubscriptionHub)", base: engine.base, wsUrl: `ws://127.0.0.1:${engine.port}/v1/ws`, pid: engine.pid, stop: () => engine.stop() };
}

async function startBaseline(): Promise<Target> {
  const port = freePort();
  const child = Bun.spawn(["bun", "bench/lib/wsBenchBaselineServer.ts"], {
    cwd: BENCH_ROOT, env: { ...process.env, PORT: String(port) }, stdout: "ignore", stderr: "inherit",
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/health`)).ok, 30_000, "baseline ws server health");
  return {
    label: "Bun.serve + Map + native publish", base, wsUrl: `ws://127.0.0.1:${port}/v1/ws`, pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

/** RSS settled: the lowest of a few reads a quarter second apart (GC may be mid-way). */
async function settledRssMb(pid: number): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < 5; i++) {
    await Bun.sleep(250);
    lowest = Math.min(lowest, rssMb(pid));
  }
  return lowest;
}

/** A bounded wait for the load generator's next report. */
class Reports {
  private readonly queue: LoadGenReport[] = [];
  private wake: (() => void) | null = null;

  push(report: LoadGenReport): void {
    this.queue.push(report);
    this.wake?.();
  }

  async next(timeoutMs: number): Promise<LoadGenReport> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (Date.now() > deadline) throw new Error("load generator: no report in time");
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 200);
      });
    }
    const report = this.queue.shift()!;
    if (report.phase === "failed") throw new Error(`load generator failed: ${report.error}`);
    return report;
  }
}

async function phase(target: Target, tag: string, run: string): Promise<PhaseResult> {
  const prefix = `WS-${tag}-`;
  if (target.label.startsWith("engine")) await putFacilities(target.base);
  const loaded = await postAll(target.base, Array.from({ length: CLIENTS }, (_, n) => eodMessage(run, `${prefix}${n}`, n)));
  if (loaded.other > 0) throw new Error(`${target.label}: ${loaded.other} EODs not applied (${loaded.samples.join(", ")})`);
  const rssBeforeMb = await settledRssMb(target.pid);

  const reports = new Reports();
  const generator: Subprocess = Bun.spawn(["bun", "bench/lib/wsBenchLoadGen.ts"], {
    cwd: BENCH_ROOT,
    env: {
      ...process.env, HTTP_BASE: target.base, WS_URL: target.wsUrl, ACCOUNT_PREFIX: prefix, ACCOUNTS: String(CLIENTS),
      RATE: String(RATE), DURATION_SEC: String(DURATION_SEC), RUN: run,
    },
    stdout: "inherit", stderr: "inherit",
    ipc: (message) => reports.push(message as LoadGenReport),
  });
  const guard = setTimeout(() => generator.kill("SIGKILL"), PHASE_TIMEOUT_MS);
  try {
    const subscribed = (await reports.next(120_000)) as SubscribedReport;
    if (subscribed.subscribed < CLIENTS) {
      throw new Error(`${target.label}: only ${subscribed.subscribed} of ${CLIENTS} clients subscribed (${subscribed.closedEarly} closed)`);
    }
    const rssConnectedMb = await settledRssMb(target.pid);
    generator.send({ cmd: "go" });
    const done = (await reports.next(DURATION_SEC * 1000 + 60_000)) as DoneReport;
    const rssAfterMb = rssMb(target.pid);
    const peakMb = peakRssMb(target.pid);
    await generator.exited;
    return { target, rssBeforeMb, rssConnectedMb, rssAfterMb, peakMb, subscribed, done };
  } finally {
    clearTimeout(guard);
    if (generator.exitCode === null) {
      generator.kill("SIGKILL");
      await generator.exited;
    }
  }
}

const kbPerConnection = (p: PhaseResult) => ((p.rssConnectedMb - p.rssBeforeMb) * 1024) / CLIENTS;

function measurement(p: PhaseResult): Measurement {
  const d = p.done;
  return {
    label: p.target.label,
    throughputPerSec: round(d.delivered / d.sendSec),
    p50Ms: round(d.p50Ms, 3),
    p99Ms: round(d.p99Ms, 3),
    p999Ms: round(d.p999Ms, 3),
    peakRssMb: round(p.peakMb, 1),
    extra: {
      KB_per_conn: round(kbPerConnection(p), 1),
      KB_per_conn_after_updates: round(((p.rssAfterMb - p.rssBeforeMb) * 1024) / CLIENTS, 1),
      rss_before_MiB: round(p.rssBeforeMb, 1),
      rss_connected_MiB: round(p.rssConnectedMb, 1),
      max_ms: round(d.maxMs, 1),
      delivered: `${d.delivered}/${d.applied}`,
      connect_s: round(p.subscribed.connectSec, 1),
    },
  };
}

export const benchmark: Benchmark = {
  name: "ws-fanout",
  async run(): Promise<BenchResult> {
    const limit = openFilesLimit(process.pid);
    if (limit < CLIENTS + 500) throw new Error(`open files limit ${limit} < ${CLIENTS + 500}: raise ulimit -n before bun bench ws-fanout`);
    const tag = Math.random().toString(36).slice(2, 8);
    const results: PhaseResult[] = [];
    for (const start of [startEngine, startBaseline]) {
      const target = await start();
      try {
        results.push(await phase(target, tag, `ws-fanout-${tag}`));
      } finally {
        await target.stop();
      }
    }
    const [engine, baseline] = results as [PhaseResult, PhaseResult];
    const e = engine.done;
    const lost = e.applied - e.delivered;
    const kb = kbPerConnection(engine);
    const targetMet = e.p99Ms < P99_TARGET_MS && kb < KB_PER_CONNECTION_TARGET && lost === 0 && e.unmatched === 0 && e.closed === 0;
    const notes = [
      `${CLIENTS.toLocaleString("en-US")} clients in one load-generator process (bench/lib/wsBenchLoadGen.ts, apart from the servers), one distinct account each; ${RATE.toLocaleString("en-US")} transactions/s for ${DURATION_SEC} s, round-robin over the accounts, POST /v1/events every 10 ms (~${RATE / 100} messages per request)`,
      `delivery latency = client receive − time the batch's POST was sent, one process clock, matched by account and version (v0 from the subscribe's initial balance + k-th update); it includes HTTP ingest of the batch, apply, fan-out and the generator's own event loop`,
      `RSS per connection = (server VmRSS with ${CLIENTS.toLocaleString("en-US")} clients subscribed − VmRSS before connecting) / ${CLIENTS.toLocaleString("en-US")}, each the lowest of 5 reads over 1.25 s (the JS heap's GC timing makes it approximate); KB_per_conn_after_updates is the same after the update phase`,
      `engine: ${e.delivered}/${e.applied} updates delivered, ${e.unmatched} unmatched, ${e.closed} connections closed during updates${e.closeCodes ? ` (codes ${e.closeCodes})` : ""}, POST p99 ${round(e.postP99Ms, 1)} ms, ${e.lateTicks} late 10 ms ticks; connect + subscribe of ${CLIENTS.toLocaleString("en-US")} clients ${round(engine.subscribed.connectSec, 1)} s`,
      `baseline: ${baseline.done.delivered}/${baseline.done.applied} delivered, POST p99 ${round(baseline.done.postP99Ms, 1)} ms; it does no validation, dedup, persistence or metrics: a floor, not a rival design`,
      `peak RSS is VmHWM over the process's life: the engine's is set at start-up by the embedded store (PGlite), ~935 MiB even with no accounts`,
      `ratio = engine p99 ÷ baseline p99 delivery (lower is better); the engine, the baseline and the load generator share this machine's ${navigator.hardwareConcurrency} cores`,
      `engine in embedded mode, SYNC_MAX_DELAY_MS/SYNC_MIN_INTERVAL_MS = 1 h so the post-load datalake sync burst stays out of the window; open files limit ${limit}`,
    ];
    if (e.notApplied.length > 0) notes.push(`engine: some transactions were not applied: ${e.notApplied.join(", ")}`);
    return {
      benchmark: "ws-fanout",
      measures: `${CLIENTS.toLocaleString("en-US")} WebSocket clients, 1 account each, ${RATE.toLocaleString("en-US")} updates/s for ${DURATION_SEC} s: delivery latency and RSS per connection`,
      target: `p99 delivery < ${P99_TARGET_MS} ms, < ${KB_PER_CONNECTION_TARGET} KB RSS per connection`,
      subject: measurement(engine),
      baseline: measurement(baseline),
      ratio: e.p99Ms / baseline.done.p99Ms,
      targetMet,
      notes,
    };
  },
};
