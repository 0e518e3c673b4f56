/**
 * rest-read's engine alone, by the number of accounts it holds: for each count given, an engine
 * (embedded mode, the benchmark's settings) is loaded with that many accounts (an EOD and two
 * transactions each) and read through the benchmark's wrk command (`-t1 -c50`, a random account
 * per request), 3 rounds of 10 s after a 2 s warm-up. The counts run one after the other, in the
 * order given: `bun bench/lib/readThroughputByAccounts.ts 1000 100000 1000 100000`.
 *
 * `--gc-log` starts the engines with `BUN_JSC_logGC=1` (a JavaScriptCore option Bun reads from the
 * environment) and prints `MARK start N` / `MARK end N` to stderr around each round, so that the
 * collections of a round can be told from the load's (the engine's log goes to the same stderr).
 */
import { startEngineProcess } from "./benchServices.ts";
import { eodMessage, postAll, putFacilities, transactionMessage, transactionMinorOf } from "./restBenchEvents.ts";
import { WrkDriver } from "./restBenchWrk.ts";

const ROUNDS = 3;
const gcLog = process.argv.includes("--gc-log");
const counts = process.argv.slice(2).filter((arg) => arg !== "--gc-log").map(Number);
if (counts.length === 0 || counts.some((count) => !Number.isSafeInteger(count) || count < 1)) {
  throw new Error("usage: bun bench/lib/readThroughputByAccounts.ts [--gc-log] COUNT...");
}

async function measure(count: number): Promise<void> {
  const tag = Math.random().toString(36).slice(2, 8);
  const prefix = `RR-${tag}-`;
  const ids = Array.from({ length: count }, (_, n) => `${prefix}${n}`);
  // As bench rest-read: the datalake sync pushed past the run.
  const env: Record<string, string> = { SYNC_MAX_DELAY_MS: "3600000", SYNC_MIN_INTERVAL_MS: "3600000" };
  if (gcLog) env.BUN_JSC_logGC = "1";
  const engine = await startEngineProcess(env);
  try {
    await putFacilities(engine.base);
    await postAll(engine.base, ids.map((id, n) => eodMessage(`rr-${tag}`, id, n)), 2);
    const transactions: string[] = [];
    let seq = 0;
    for (let k = 0; k < 2; k++) for (let n = 0; n < count; n++) transactions.push(transactionMessage(`rr-${tag}`, ids[n]!, seq++, transactionMinorOf(n, k)));
    await postAll(engine.base, transactions, 2);
    const wrk = new WrkDriver(prefix, count);
    await wrk.run(engine.base, { threads: 1, connections: 50, durationSec: 2 });
    for (let round = 0; round < ROUNDS; round++) {
      if (gcLog) process.stderr.write(`MARK start ${round}\n`);
      const run = await wrk.run(engine.base, { threads: 1, connections: 50, durationSec: 10 });
      if (gcLog) process.stderr.write(`MARK end ${round}\n`);
      console.log(`${count} accounts, round ${round}: ${Math.round(run.requestsPerSec)} req/s, p99 ${run.p99Ms} ms`);
    }
  } finally {
    await engine.stop();
  }
}

for (const count of counts) await measure(count);
