/**
 * The engine's core, without any I/O of its own: the account actors, ingest, the facility lookup
 * and changes, and the effects, wired to the outputs given. The composition root adds the edges
 * (HTTP, Kafka, stores); benchmarks and tests use the core alone.
 */
import type { AccountState } from "../../domain/account/accountState.ts";
import { explainedBalanceOf } from "../../domain/account/balanceExplanation.ts";
import { balanceViewOf } from "../../domain/account/balanceView.ts";
import type { AlertThresholds } from "../../domain/account/highValueAlert.ts";
import type { Logger } from "../../observability/log.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { AccountRuntime } from "../../runtime/accountRuntime.ts";
import { EffectRunner } from "../../runtime/effects.ts";
import { FacilityCache } from "../../runtime/facilityCache.ts";
import { FacilityChanges } from "../../runtime/facilityChanges.ts";
import { FacilityLookup } from "../../runtime/facilityLookup.ts";
import { FacilityRefresher } from "../../runtime/facilityRefresher.ts";
import { Ingest } from "../../runtime/ingest.ts";
import { IngestMetrics } from "../../runtime/ingestMetrics.ts";
import type { BalanceReader, EngineOutputs, FacilityStore } from "../../runtime/ports.ts";

export interface EngineCoreOptions {
  readonly shardCount: number;
  readonly alertThresholds: AlertThresholds;
  readonly facilityCacheTtlMs: number;
  readonly facilityCacheEntriesMax: number;
  /** FACILITY_LOOKUP_WAIT_MS: how long an EOD waits for an unreachable facility table. */
  readonly facilityLookupWaitMs: number;
  readonly facilityStore: FacilityStore;
  readonly outputs: EngineOutputs;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface EngineCore {
  readonly runtime: AccountRuntime;
  readonly ingest: Ingest;
  readonly facilities: FacilityChanges;
  readonly facilityLookup: FacilityLookup;
  /** Balances from memory. */
  readonly balances: BalanceReader;
  /** Reads again the facilities of recovered accounts whose limit is unknown (an outage may have left it so). */
  refreshUnknownLimits(states: Iterable<AccountState>): void;
  /** Ends the facility waits and refreshes (shutdown). */
  stop(): void;
}

/** Facilities the refresher keeps reading while the table is down. */
const FACILITIES_REFRESHED_MAX = 10_000;

export function createEngineCore(options: EngineCoreOptions): EngineCore {
  const { metrics, log } = options;
  const now = options.now ?? Date.now;
  const runtime = new AccountRuntime(options.shardCount, now);
  const cache = new FacilityCache(options.facilityStore, options.facilityCacheTtlMs, options.facilityCacheEntriesMax, now);
  const effects = new EffectRunner(options.outputs, metrics, log, now);
  const facilities = new FacilityChanges(options.facilityStore, cache, runtime, effects, log, now);
  const refresher = new FacilityRefresher({
    cache, idsMax: FACILITIES_REFRESHED_MAX, log, found: (facility) => facilities.applyToAccounts(facility),
    dropped: () => metrics.dropsTotal.inc({ what: "facility_refresh" }),
  });
  const facilityLookup = new FacilityLookup({
    cache, log, waitMsMax: options.facilityLookupWaitMs, unavailable: (facilityId) => refresher.add(facilityId),
    counted: (result) => metrics.facilityLookupsTotal.inc({ result }),
  });
  const ingest = new Ingest({
    runtime, facilities: facilityLookup, effects, metrics: new IngestMetrics(metrics), alertThresholds: options.alertThresholds,
    messageProcessed: options.outputs.messageProcessed?.bind(options.outputs), now,
  });
  metrics.sources.accountCount = () => runtime.accountCount();
  const balances: BalanceReader = {
    balanceOf: (accountId) => {
      const state = runtime.stateOf(accountId);
      return state === undefined ? null : balanceViewOf(state);
    },
    explainedBalanceOf: (accountId) => {
      const state = runtime.stateOf(accountId);
      return state === undefined ? null : explainedBalanceOf(state);
    },
  };
  const stop = () => {
    facilityLookup.stop();
    refresher.stop();
  };
  const refreshUnknownLimits = (states: Iterable<AccountState>) => {
    for (const state of states) if (state.eod !== null && state.facilityLimitMinor === null) refresher.add(state.eod.facilityId);
  };
  return { runtime, ingest, facilities, facilityLookup, balances, refreshUnknownLimits, stop };
}
