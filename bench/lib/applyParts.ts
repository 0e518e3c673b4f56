/**
 * Where the apply benchmark's time goes, by cumulative steps over the same 1M messages on the
 * same 100k accounts (each step includes the previous): parse, + validate, + the account's
 * lookup, + the transition, + the whole ingest (effects, metrics). `bun bench/lib/applyParts.ts`
 */
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { validateText } from "../../src/domain/account/validateMessage.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import type { BankMessage } from "../../src/domain/account/messages.ts";
import { engineWithAccounts, transactionTexts } from "../apply.bench.ts";

const SOURCE = { kind: "kafka", topic: "bank.transactions", partition: 0, offset: "0" } as const;
const thresholds = alertThresholdsFor("10000.00")!;

async function step(name: string, round: number, run: (core: Awaited<ReturnType<typeof engineWithAccounts>>, text: string) => void): Promise<void> {
  const texts = transactionTexts(round);
  const core = await engineWithAccounts();
  Bun.gc(true);
  const started = performance.now();
  for (const text of texts) run(core, text);
  console.log(`${name.padEnd(28)} ${Math.round(((performance.now() - started) * 1e6) / texts.length)} ns/msg`);
}

for (let round = 0; round < 2; round++) {
  await step("JSON.parse", round, (_, text) => JSON.parse(text));
  await step("+ validate", round, (_, text) => validateText(text));
  await step("+ account lookup", round, (core, text) => {
    const valid = validateText(text) as { ok: true; message: BankMessage };
    core.runtime.stateOf(valid.message.accountId);
  });
  await step("+ applyMessage", round, (core, text) => {
    const valid = validateText(text) as { ok: true; message: BankMessage };
    applyMessage(core.runtime.stateOf(valid.message.accountId)!, valid.message, { nowMs: 0, alertThresholds: thresholds });
  });
  await step("ingest (all of it)", round, (core, text) => core.ingest.ingest({ text, source: SOURCE }));
}
