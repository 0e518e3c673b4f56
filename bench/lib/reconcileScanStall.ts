/**
 * How long a reconciliation pass holds the engine's thread at once: 100k accounts (the apply
 * benchmark's engine, an EOD each), a Reconciler over its runtime, and a probe that notes the
 * longest gap between two turns of the event loop while the pass runs. Two cases: no account
 * settled (all changed within the sync delay: the scan alone), and every account settled (each
 * chunk compared with a copy that answers at once, equal rows). `bun bench/lib/reconcileScanStall.ts`
 */
import { engineWithAccounts } from "../apply.bench.ts";
import { createLogger } from "../../src/observability/log.ts";
import type { AccountRow } from "../../src/runtime/ports.ts";
import { Reconciler } from "../../src/runtime/reconciler.ts";

const core = await engineWithAccounts();
const rows = new Map<string, AccountRow>();
for (const row of core.runtime.rows()) rows.set(row.accountId, row);

/** The longest gap between turns of the event loop while `work` runs. */
async function longestGapMs(work: () => Promise<unknown>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  let on = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  on = false;
  tick();
  return longest;
}

function reconciler(syncMaxDelayMs: number): Reconciler {
  return new Reconciler({
    rows: () => core.runtime.rows(), accountsWithTransfers: () => core.runtime.awakeAccounts(),
    isAt: (accountId, version) => core.runtime.isAt(accountId, version),
    copy: { readMany: async (ids) => ({ ok: true, rows: ids.map((id) => rows.get(id)!) }) },
    syncMaxDelayMs, intervalMs: 60_000, log: createLogger("error"),
    ledger: { readMany: async () => ({ ok: true, transactions: new Map() }) },
  });
}

for (const [label, syncMaxDelayMs] of [["none settled", 3_600_000], ["all settled", 0]] as const) {
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    let checked = 0;
    const gap = await longestGapMs(async () => (checked = (await reconciler(syncMaxDelayMs).runOnce()).accountsChecked));
    console.log(`${label}: ${checked} compared, pass ${(performance.now() - started).toFixed(1)} ms, longest gap between turns ${gap.toFixed(2)} ms`);
  }
}
