/**
 * The Postgres copy after a restart that resets versions (here the embedded store kept in
 * PGLITE_DIR, which outlives the engine's memory): the rebuilt account starts again at version 1,
 * and its rows must still replace the ones the earlier process wrote.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bodyOf, eod, startEngineUnderTest, txn } from "../support/engineUnderTest.ts";
import { eventually } from "../support/services.ts";

const directory = mkdtempSync(join(tmpdir(), "balance-pglite-"));
const env = { PGLITE_DIR: directory, SYNC_MIN_INTERVAL_MS: "50", SYNC_MAX_DELAY_MS: "100" };
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const copyOf = async (engine: Awaited<ReturnType<typeof startEngineUnderTest>>) => {
  const response = await engine.get("/v1/accounts/R1/balance?source=db");
  return response.status === 200 ? bodyOf(response) : null;
};

test("after a restart that starts versions again at 1, ?source=db shows the new state, not the old one for ever", async () => {
  const before = await startEngineUnderTest(env);
  await before.post("/v1/events", [
    eod({ accountId: "R1", balance: "10.00", asOfDate: "2026-11-30", timestamp: "2026-12-01T00:05:00Z" }),
    txn({ accountId: "R1", amount: "1.00", bookingDate: "2026-12-01" }),
    txn({ accountId: "R1", amount: "1.00", bookingDate: "2026-12-01" }),
  ]);
  await eventually(async () => (await copyOf(before))?.version === 3, 10_000, "the first process's copy");
  await before.stop();

  const after = await startEngineUnderTest(env);
  try {
    await after.post("/v1/events", eod({ accountId: "R1", balance: "500.00", asOfDate: "2026-12-01", timestamp: "2026-12-02T00:05:00Z" }));
    expect((await bodyOf(await after.get("/v1/accounts/R1/balance"))).version).toBe(1);
    await eventually(async () => (await copyOf(after))?.currentBalance === "500.00", 15_000, "the copy of the restarted account");
    expect(await copyOf(after)).toMatchObject({ currentBalance: "500.00", eodDate: "2026-12-01", version: 1 });
  } finally {
    await after.stop();
  }
}, 60_000);
