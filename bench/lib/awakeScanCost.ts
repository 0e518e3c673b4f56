/**
 * What a scan over every account in use costs, 100k accounts (the apply benchmark's engine, an EOD
 * each): `awakeAccounts()` (a generator of [shard, state] tuples) against `forEachAwake` (a loop
 * calling back), each reading the field the `holds_active` gauge reads. `bun bench/lib/awakeScanCost.ts`
 */
import { engineWithAccounts } from "../apply.bench.ts";

const core = await engineWithAccounts();
for (let pass = 0; pass < 5; pass++) {
  let started = performance.now();
  let generated = 0;
  for (const [, state] of core.runtime.awakeAccounts()) if (state.holdsMinor !== 0) generated++;
  const generatorMs = performance.now() - started;
  started = performance.now();
  let visited = 0;
  core.runtime.forEachAwake((state) => {
    if (state.holdsMinor !== 0) visited++;
  });
  const visitMs = performance.now() - started;
  if (generated !== visited) throw new Error("the two scans disagree");
  console.log(`${core.runtime.accountCount()} accounts: awakeAccounts ${generatorMs.toFixed(2)} ms, forEachAwake ${visitMs.toFixed(2)} ms`);
}
