/**
 * `bun bench [name...]`: runs the benchmarks (all, or the named ones) one after the other, each
 * beside its baseline in the same run, prints their tables and writes bench/results/.
 */
import { cpus, totalmem } from "node:os";
import type { Benchmark, BenchResult } from "./lib/benchResult.ts";
import { printResult, writeResult } from "./lib/report.ts";

const ALL = ["apply", "kafka-ingest", "e2e-latency", "rest-read", "ws-fanout", "pg-sync", "recovery", "failover", "transfer-authorize", "history", "ledger-post"];

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !ALL.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${ALL.join(", ")}`);
  process.exit(2);
}
const machine = {
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  bun: Bun.version,
  os: `${process.platform} ${process.arch}`,
};
console.log(`machine: ${JSON.stringify(machine)}`);

const results: BenchResult[] = [];
for (const name of requested.length > 0 ? requested : ALL) {
  const started = performance.now();
  const { benchmark } = (await import(`./${name}.bench.ts`)) as { benchmark: Benchmark };
  const result = await benchmark.run();
  printResult(result);
  writeResult(result, machine);
  results.push(result);
  console.log(`  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
console.log("\n## summary");
for (const r of results) console.log(`${r.targetMet ? "MET   " : "MISSED"} ${r.benchmark}: ${r.target}${r.ratio === undefined ? "" : ` (ratio ${r.ratio.toFixed(2)})`}`);
