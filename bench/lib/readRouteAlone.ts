/**
 * The hot read's route without the engine: a bare Bun.serve with only `balanceFastRoute` over
 * COUNT accounts held in one Map (an EOD each, bodies kept), held at 25,000 req/s by rest-read's
 * open-loop generator (3 rounds of 10 s), with the loop stall probe on. It tells what the
 * fixed-rate tail owes to the engine's code from what it owes to a Bun process holding that
 * many accounts. `bun bench/lib/readRouteAlone.ts 1000 100000`
 * (each count in its own server process: `--serve COUNT PORT`).
 */
import type { AccountState } from "../../src/domain/account/accountState.ts";
import { ownedString } from "../../src/domain/ownedString.ts";
import { BalanceBodyCache } from "../../src/http/balanceBodies.ts";
import { httpRequestRecorder } from "../../src/http/httpMetrics.ts";
import { BALANCE_ROUTE, balanceFastRoute } from "../../src/http/routes/balanceFastRoute.ts";
import { createLogger } from "../../src/observability/log.ts";
import { linuxThreadTimes, LoopStallProbe } from "../../src/observability/loopStallProbe.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { freePort, waitUntil } from "./benchServices.ts";
import { heldAccount } from "./heldAccount.ts";
import { OpenLoopDriver } from "./restBenchOpenLoop.ts";

const PREFIX = "RRA-";
const RATE = { ratePerSec: 25_000, durationSec: 10, connections: 50 };
const ROUNDS = 3;
const REPORT_MS = 2000;

function serve(count: number, port: number): void {
  const states = new Map<string, AccountState>();
  for (let n = 0; n < count; n++) {
    const state = heldAccount(ownedString(`${PREFIX}${n}`), n, 0);
    states.set(state.accountId, state);
  }
  const bodies = new BalanceBodyCache((accountId) => states.get(accountId));
  const route = balanceFastRoute({
    balances: { balanceOf: () => null } as never, bodies, access: { required: false } as never,
    record: httpRequestRecorder(createMetrics()), app: () => new Response("not this route", { status: 404 }),
  });
  const server = Bun.serve({ port, hostname: "127.0.0.1", routes: { [BALANCE_ROUTE]: { GET: route as never } }, fetch: () => new Response(null, { status: 404 }) });
  new LoopStallProbe(() => performance.now(), linuxThreadTimes()).start(REPORT_MS, createLogger("info", (line) => process.stderr.write(`${line}\n`)));
  console.log(`listening ${server.port}`);
}

interface StallReport {
  readonly stalls: number;
  readonly lateMaxMs: number;
}

async function measure(count: number): Promise<void> {
  const port = freePort();
  const child = Bun.spawn(["bun", import.meta.path, "--serve", String(count), String(port)], { stdout: "ignore", stderr: "pipe" });
  const reports: StallReport[] = [];
  const reading = (async () => {
    for await (const line of child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(lines())) {
      if (line.includes('"loop_stalls"')) reports.push(JSON.parse(line) as StallReport);
    }
  })();
  const open = new OpenLoopDriver(PREFIX, count);
  try {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/v1/accounts/${PREFIX}0/balance`)).ok, 120_000, "the route's server");
    for (let round = 0; round < ROUNDS; round++) {
      const from = reports.length;
      const run = await open.run(port, RATE);
      const during = reports.slice(from);
      const stalls = during.reduce((sum, report) => sum + report.stalls, 0);
      const lateMaxMs = Math.max(0, ...during.map((report) => report.lateMaxMs));
      console.log(`${count} accounts, round ${round}: p50 ${run.p50Ms} / p99 ${run.p99Ms} / p99.9 ${run.p999Ms} / max ${run.maxMs} ms at ${Math.round(run.achievedPerSec)} req/s; loop stalls >= 5 ms: ${stalls} in ${during.length} reports of ${REPORT_MS} ms, the latest tick ${lateMaxMs} ms late`);
    }
  } finally {
    open.dispose();
    child.kill();
    await child.exited;
    await reading.catch(() => {});
  }
}

/** Splits a text stream into lines. */
function lines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const part of parts) controller.enqueue(part);
    },
  });
}

const serveAt = process.argv.indexOf("--serve");
if (serveAt >= 0) serve(Number(process.argv[serveAt + 1]), Number(process.argv[serveAt + 2]));
else for (const count of process.argv.slice(2).map(Number)) await measure(count);
