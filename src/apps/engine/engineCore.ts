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
import type { DormantAccountCodec } from "../../runtime/dormantAccounts.ts";
import { AccountRuntime } from "../../runtime/accountRuntime.ts";
import { EffectRunner } from "../../runtime/effects.ts";
import { FacilityCache } from "../../runtime/facilityCache.ts";
import { FacilityChanges } from "../../runtime/facilityChanges.ts";
import { FacilityLookup } from "../../runtime/facilityLookup.ts";
import { FacilityRefresher } from "../../runtime/facilityRefresher.ts";
import { Ingest } from "../../runtime/ingest.ts";
import { IngestMetrics } from "../../runtime/ingestMetrics.ts";
import type { BalanceReader, EngineOutputs, FacilityStore, RiskScoreLog, TransferJournal, TransferOutputs } from "../../runtime/ports.ts";
import { TransferDesk } from "../../runtime/transferDesk.ts";
import { TransferExpiry } from "../../runtime/transferExpiry.ts";
import { TransferIndex } from "../../runtime/transferIndex.ts";
import { TransferRecorder } from "../../runtime/transferRecorder.ts";
import { TransferJournalReplay } from "../../runtime/transferJournalReplay.ts";
import { isOpen } from "../../domain/transfer/transfer.ts";

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
  /** TRANSFER_2FA_TIMEOUT_MS. */
  readonly transfer2faTimeoutMs?: number;
  /** Where transfer facts become durable; in memory when absent (embedded mode). */
  readonly transferJournal?: TransferJournal;
  readonly transferOutputs?: TransferOutputs;
  /** With ClickHouse: every decision's score goes to fraud_scores_history. */
  readonly riskScores?: RiskScoreLog;
  /** Whether this instance decides for an account now (Kafka: owns its partition); always when absent. */
  readonly owns?: (accountId: string) => boolean;
  /** A destination account another instance holds: its currency from its snapshot. */
  readonly remoteCurrencyOf?: (accountId: string) => Promise<string | null>;
  /** How accounts a recovery left dormant are read (Kafka mode: the snapshot codec). */
  readonly dormantAccounts?: DormantAccountCodec;
}

/** Embedded mode's journal: the record is in memory with everything else the process knows. */
const IN_MEMORY_JOURNAL: TransferJournal = { append: () => Promise.resolve() };
const NO_TRANSFER_OUTPUTS: TransferOutputs = { transferChanged: () => {}, approved: () => {} };

export interface EngineCore {
  readonly runtime: AccountRuntime;
  readonly ingest: Ingest;
  readonly facilities: FacilityChanges;
  readonly facilityLookup: FacilityLookup;
  /** Balances from memory. */
  readonly balances: BalanceReader;
  readonly transfers: TransferDesk;
  /** Indexes recovered accounts' transfers and arms their 2FA deadlines. */
  readonly transferRecorder: TransferRecorder;
  /** The transfer journal read back (Kafka mode). */
  readonly journalReplay: TransferJournalReplay;
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
  const runtime = new AccountRuntime(options.shardCount, now, options.dormantAccounts);
  const cache = new FacilityCache(options.facilityStore, options.facilityCacheTtlMs, options.facilityCacheEntriesMax, now);
  const transferParts = createTransferParts(options, runtime, now);
  const effects = new EffectRunner(options.outputs, metrics, log, now, (state, id) => transferParts.recorder.changedByMessage(state, id));
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
  metrics.sources.dormantAccountCount = () => runtime.dormantCount();
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
    transferParts.expiry.stop();
  };
  const refreshUnknownLimits = (states: Iterable<AccountState>) => {
    for (const state of states) if (state.eod !== null && state.facilityLimitMinor === null) refresher.add(state.eod.facilityId);
  };
  transferParts.expiry.start();
  return {
    runtime, ingest, facilities, facilityLookup, balances, refreshUnknownLimits, stop,
    transfers: transferParts.desk, transferRecorder: transferParts.recorder,
    journalReplay: new TransferJournalReplay(runtime, transferParts.recorder, () => metrics.dropsTotal.inc({ what: "transfer_journal_record" })),
  };
}

/** The transfer desk and what it needs: the index, the recorder, the 2FA deadlines. */
function createTransferParts(options: EngineCoreOptions, runtime: AccountRuntime, now: () => number) {
  const { metrics } = options;
  const index = new TransferIndex();
  let desk: TransferDesk | null = null;
  const expiry = new TransferExpiry(options.transfer2faTimeoutMs ?? 300_000, (accountId, id) => desk!.expire(accountId, id), now);
  const recorder = new TransferRecorder({
    index, outputs: options.outputs, transferOutputs: options.transferOutputs ?? NO_TRANSFER_OUTPUTS, now,
    pending: (transfer) => expiry.arm(transfer), evictedEarly: (count) => metrics.dropsTotal.inc({ what: "transfer_kept" }, count),
  });
  const localCurrencyOf = (accountId: string) => {
    const state = runtime.stateOf(accountId);
    return state?.eod == null ? null : state.currency;
  };
  desk = new TransferDesk({
    runtime, recorder, index, now, journal: options.transferJournal ?? IN_MEMORY_JOURNAL, owns: options.owns ?? (() => true),
    destinationCurrencyOf: (accountId) => localCurrencyOf(accountId) ?? options.remoteCurrencyOf?.(accountId) ?? null,
    refused: (code) => metrics.transferRefusalsTotal.inc({ code }),
    decided: (transfer, seconds) => {
      metrics.transfersTotal.inc({ decision: transfer.decision });
      options.riskScores?.record(transfer);
      metrics.transferDecisionDurationSeconds.observe(seconds);
    },
  });
  metrics.sources.holdsActive = () => {
    let open = 0;
    // Woken accounts only: a dormant one holds no transfer (dormantAccounts.ts). An account with
    // no holds has no open transfer (amounts are positive), so most are skipped without a look.
    runtime.forEachAwake((state) => {
      if (state.holdsMinor === 0) return;
      for (const transfer of state.transfers.values()) if (isOpen(transfer.status)) open += 1;
    });
    return open;
  };
  return { index, recorder, expiry, desk };
}
