/**
 * apply: messages/s through parse + validate + actor apply on one core, 100k accounts, beside a
 * bare loop that only JSON-parses the same bytes and adds to a Map (the floor of any design).
 */
import { bench as mitataBench, run as mitataRun } from "mitata";
import { newAccountState, type AccountState } from "../src/domain/account/accountState.ts";
import { applyMessage } from "../src/domain/account/applyMessage.ts";
import { alertThresholdsFor } from "../src/domain/account/highValueAlert.ts";
import { validateText } from "../src/domain/account/validateMessage.ts";
import { createEngineCore, type EngineCore } from "../src/apps/engine/engineCore.ts";
import type { MessageIngest } from "../src/runtime/ports.ts";
import { createLogger } from "../src/observability/log.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import type { Benchmark } from "./lib/benchResult.ts";
import { peakRssMb } from "./lib/processMemory.ts";

const ACCOUNTS = 100_000;
const MESSAGES = 1_000_000;
const ROUNDS = 3;
const SOURCE = { kind: "kafka", topic: "bank.transactions", partition: 0, offset: "0" } as const;

function eodText(account: number): string {
  return JSON.stringify({
    type: "EOD_BALANCE", messageId: `e-${account}`, accountId: `A${account}`, facilityId: `F${account % 100}`,
    balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z",
  });
}

export function transactionTexts(round: number): string[] {
  const texts: string[] = new Array(MESSAGES);
  for (let i = 0; i < MESSAGES; i++) {
    const cents = ((i * 7919) % 20_000) - 10_000;
    texts[i] = JSON.stringify({
      type: "TRANSACTION", messageId: `m-${round}-${i}`, accountId: `A${(i * 31) % ACCOUNTS}`,
      eventType: "TRANSACTION_CREATED", transactionId: `t-${round}-${i}`, amount: (cents / 100).toFixed(2),
      currency: "USD", bookingDate: "2026-11-22", timestamp: "2026-11-22T09:30:00.123Z",
    });
  }
  return texts;
}

/** A fresh engine with every account's EOD applied (its facility lookups are outside the timing). */
export async function engineWithAccounts(): Promise<EngineCore> {
  const core = createEngineCore({
    shardCount: 12,
    alertThresholds: alertThresholdsFor("10000.00")!,
    facilityCacheTtlMs: 3_600_000,
    facilityCacheEntriesMax: 1000,
    facilityLookupWaitMs: 5000,
    facilityStore: { get: async (facilityId) => ({ facilityId, limitMinor: 500_000, currency: "USD" }), upsert: async () => {} },
    outputs: { balanceChanged: () => {}, alertRaised: () => {}, deadLettered: () => {} },
    metrics: createMetrics(),
    log: createLogger("error"),
  });
  const results = [];
  for (let a = 0; a < ACCOUNTS; a++) results.push(core.ingest.ingest({ text: eodText(a), source: SOURCE }));
  await Promise.all(results);
  return core;
}

export function timeEngine(engine: MessageIngest, texts: string[]): number {
  const started = performance.now();
  for (let i = 0; i < texts.length; i++) engine.ingest({ text: texts[i]!, source: SOURCE });
  return (texts.length / (performance.now() - started)) * 1000;
}

/** The floor: parse the same bytes and add the amount to a Map (as a float: it is only a floor). */
function timeBareLoop(texts: string[]): number {
  const totals = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < texts.length; i++) {
    const message = JSON.parse(texts[i]!);
    totals.set(message.accountId, (totals.get(message.accountId) ?? 0) + Number(message.amount));
  }
  const rate = (texts.length / (performance.now() - started)) * 1000;
  if (totals.size !== ACCOUNTS) throw new Error("bare loop saw the wrong accounts");
  return rate;
}

/** Per-operation costs of parsing and validating, with mitata (nanoseconds, median). */
async function partCostsNs(texts: string[]): Promise<Record<string, number>> {
  let n = 0;
  mitataBench("JSON.parse", () => JSON.parse(texts[n++ % texts.length]!));
  mitataBench("validateText (parse + validate)", () => validateText(texts[n++ % texts.length]!));
  const report = await mitataRun({ format: "quiet" } as never);
  const costs: Record<string, number> = {};
  for (const trial of (report as { benchmarks: { alias: string; runs: { stats?: { p50: number } }[] }[] }).benchmarks) {
    costs[`${trial.alias} ns`] = trial.runs[0]?.stats?.p50 ?? NaN;
  }
  return costs;
}

/**
 * applyMessage alone, in the benchmark's own setting: the messages validated beforehand, applied
 * to 100k accounts that hold their EOD (nanoseconds per message, one pass).
 */
function applyAloneNs(texts: string[]): number {
  const thresholds = alertThresholdsFor("10000.00")!;
  const states = new Map<string, AccountState>();
  for (let a = 0; a < ACCOUNTS; a++) {
    const eod = validateText(eodText(a));
    if (!eod.ok) throw new Error("eod invalid");
    const state = newAccountState(`A${a}`);
    applyMessage(state, eod.message, { nowMs: 0, alertThresholds: thresholds, facilityLimitMinor: 500_000 });
    states.set(state.accountId, state);
  }
  const messages = texts.map((text) => {
    const valid = validateText(text);
    if (!valid.ok) throw new Error("bench message is invalid");
    return valid.message;
  });
  Bun.gc(true);
  const started = performance.now();
  for (const message of messages) applyMessage(states.get(message.accountId)!, message, { nowMs: 0, alertThresholds: thresholds });
  return ((performance.now() - started) * 1e6) / messages.length;
}

export const benchmark: Benchmark = {
  name: "apply",
  async run() {
    const engineRates: number[] = [];
    const bareRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const texts = transactionTexts(round);
      const core = await engineWithAccounts();
      Bun.gc(true);
      engineRates.push(timeEngine(core.ingest, texts));
      bareRates.push(timeBareLoop(texts));
      if (core.runtime.accountCount() !== ACCOUNTS) throw new Error("engine lost accounts");
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const [engineRate, bareRate] = [median(engineRates), median(bareRates)];
    const costs = await partCostsNs(transactionTexts(99).slice(0, 10_000));
    costs["applyMessage alone, 100k accounts, ns/msg"] = applyAloneNs(transactionTexts(98));
    const ratio = engineRate / bareRate;
    return {
      benchmark: "apply",
      measures: `messages/s through parse + validate + actor apply, one core, ${ACCOUNTS.toLocaleString("en-US")} accounts, ${MESSAGES.toLocaleString("en-US")} messages, median of ${ROUNDS} rounds`,
      target: ">= 50% of the bare loop's rate",
      subject: { label: "engine.ingest", throughputPerSec: engineRate, peakRssMb: peakRssMb(), extra: costs },
      baseline: { label: "bare JSON.parse + Map", throughputPerSec: bareRate },
      ratio,
      targetMet: ratio >= 0.5,
      notes: [
        `rounds: engine ${engineRates.map((r) => Math.round(r)).join(", ")}; bare ${bareRates.map((r) => Math.round(r)).join(", ")} msg/s`,
        "engine.ingest includes the metrics (a batched counter and histogram per message: plain increments) and effect dispatch; outputs are no-ops here",
      ],
    };
  },
};
