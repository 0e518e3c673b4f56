/**
 * The apply benchmark's engine part alone, for a CPU profile of the per-message path:
 * `bun --cpu-prof-md --cpu-prof-dir=<dir> bench/lib/profileApply.ts [rounds]` (setup is in the
 * profile too; the timed loop is `timeEngine`). Prints each round's rate and the CPU time the
 * process spent per message (user + system, all threads: GC included), which a busy machine
 * disturbs less than the wall-clock rate.
 */
import { engineWithAccounts, timeEngine, transactionTexts } from "../apply.bench.ts";

const rounds = Number(process.argv[2] ?? 2);
for (let round = 0; round < rounds; round++) {
  const texts = transactionTexts(round);
  const core = await engineWithAccounts();
  Bun.gc(true);
  const cpu = process.cpuUsage();
  const rate = timeEngine(core.ingest, texts);
  const used = process.cpuUsage(cpu);
  const cpuNs = ((used.user + used.system) * 1000) / texts.length;
  console.log(`round ${round}: ${Math.round(rate)} msg/s, ${Math.round(cpuNs)} ns CPU/msg`);
}
