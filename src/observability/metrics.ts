/**
 * Prometheus metrics with the contract's names, each under the prefix `balance_engine_` so that
 * they sort together beside other services' metrics on a shared Prometheus. One registry per
 * engine, so tests stay apart.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { INVALID_REASONS } from "../domain/reasons.ts";
import { BatchedCounter, BatchedHistogram } from "./batchedMetrics.ts";

export const METRIC_PREFIX = "balance_engine_";

export interface MetricsOptions {
  /** Kafka mode: the consumer, snapshot and Kafka DLQ metrics exist only there. */
  readonly kafka?: boolean;
  /** The build's version (package.json), for `build_info`. */
  readonly version?: string;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  registerProcessMetrics(registry, options.version ?? "unknown");
  // Metrics of Kafka mode are created in every mode (the code that counts them is the same) but
  // registered only with Kafka, so an embedded engine does not show counters that can never move.
  const kafkaRegisters = options.kafka === true ? [registry] : [];
  const counter = (name: string, help: string, labelNames: string[] = [], registers = [registry]) =>
    new Counter({ name: METRIC_PREFIX + name, help, labelNames, registers });
  const gauge = (name: string, help: string) => new Gauge({ name: METRIC_PREFIX + name, help, registers: [registry] });
  /** Read at scrape time; the engine and the composition root point them at the live figures. */
  const sources = {
    accountCount: () => 0, dormantAccountCount: () => 0, syncPendingRows: () => 0, eventLogBuffered: () => 0, kafkaConsumerStalled: () => 0, mailboxQueued: () => 0,
    wsBufferedBytes: () => 0, wsSubscriptions: () => 0, holdsActive: () => 0, reconciliationDriftAccounts: () => 0, reconciliationLedgerDriftTransfers: () => 0,
  };
  const gaugeOf = (name: string, help: string, read: () => number, registers = [registry]) =>
    new Gauge({ name: METRIC_PREFIX + name, help, registers, collect() { this.set(read()); } });
  const metrics = {
    registry,
    sources,
    messagesTotal: new BatchedCounter(`${METRIC_PREFIX}messages_total`, "Messages processed, by topic and outcome", [registry], ["topic", "outcome"]),
    messagesInvalidTotal: counter("messages_invalid_total", "Invalid messages, by reason", ["reason"]),
    dlqTotal: counter("dlq_total", "Dead letters, by reason", ["reason"]),
    dlqProduceFailuresTotal: counter("dlq_produce_failures_total", "Failed sends of dead letters to the Kafka DLQ topic (kept and retried)", [], kafkaRegisters),
    dlqEvictedTotal: counter("dlq_evicted_total", "Dead letters pushed out of the bounded in-memory DLQ"),
    eodMismatchTotal: counter("eod_mismatch_total", "EODs that disagree with the engine's own close"),
    eodFixesTotal: counter("eod_fixes_total", "EOD fixes (same day, later timestamp)"),
    alertsTotal: counter("alerts_total", "High-value alerts raised"),
    facilityLookupsTotal: counter("facility_lookups_total", "Facility lookups by result", ["result"]),
    accounts: gaugeOf("accounts", "Accounts held in memory", () => sources.accountCount()),
    accountsDormant: gaugeOf("accounts_dormant", "Accounts held as their recovered snapshot, not decoded since (included in accounts)", () => sources.dormantAccountCount(), kafkaRegisters),
    reconciliationDriftAccounts: gaugeOf("reconciliation_drift_accounts", "Accounts whose datalake.account row disagrees with the engine past the sync delay (last full pass)", () => sources.reconciliationDriftAccounts()),
    reconciliationLedgerDriftTransfers: gaugeOf("reconciliation_ledger_drift_transfers", "Transfers whose ledger.transactions row disagrees with the engine past RECONCILE_LEDGER_SETTLE_MS (last full pass)", () => sources.reconciliationLedgerDriftTransfers()),
    wsClients: gauge("ws_clients", "Connected WebSocket clients"),
    wsSlowDisconnectsTotal: counter("ws_slow_disconnects_total", "WebSocket clients cut off for falling behind"),
    wsBufferedBytes: gaugeOf("ws_buffered_bytes", "Unsent bytes held for WebSocket clients (as of each one's last send or drain)", () => sources.wsBufferedBytes()),
    wsSubscriptions: gaugeOf("ws_subscriptions", "Account subscriptions of all WebSocket connections", () => sources.wsSubscriptions()),
    wsRefusedTotal: counter("ws_refused_total", "WebSocket upgrades refused at WS_CONNECTIONS_MAX"),
    mailboxQueued: gaugeOf("mailbox_queued_messages", "Messages waiting in account mailboxes behind async work (lookups)", () => sources.mailboxQueued()),
    ingestRefusedTotal: counter("ingest_refused_total", "POST /v1/events answered 429 because the mailboxes were at their bound"),
    ...kafkaMetricsOf(counter, kafkaRegisters, () => sources.kafkaConsumerStalled()),
    syncRowsWrittenTotal: counter("sync_rows_written_total", "Rows written to datalake.account"),
    syncBatchesTotal: counter("sync_batches_total", "Batches written to datalake.account"),
    syncRowsFencedTotal: counter("sync_rows_fenced_total", "Pending rows not written because another instance now owns the account", [], kafkaRegisters),
    syncRowsRejectedTotal: counter("sync_rows_rejected_total", "Rows datalake.account refused with a data error (SQLSTATE class 22 or 23): dropped and logged, the others written"),
    syncRowsRefusedTotal: counter("sync_rows_refused_total", "Rows not written because datalake.account holds a newer state of the account (a later origin, or a higher version)"),
    syncFailuresTotal: counter("sync_failures_total", "Failed writes to datalake.account (retried)"),
    syncPendingRows: gaugeOf("sync_pending_rows", "Accounts whose change is not yet in datalake.account", () => sources.syncPendingRows()),
    eventLogDroppedTotal: counter("event_log_dropped_total", "Events not logged to ClickHouse, by reason", ["reason"]),
    eventLogBuffered: gaugeOf("event_log_buffered", "Events waiting to be inserted into ClickHouse", () => sources.eventLogBuffered()),
    dropsTotal: counter("dropped_total", "Items dropped at a bound, by what", ["what"]),
    balanceBusRejectedTotal: counter("balance_bus_rejected_total", "Batches on the Redis balance bus refused (bad signature or content), by reason", ["reason"], kafkaRegisters),
    authFailuresTotal: counter("auth_failures_total", "Requests and upgrades refused by authentication or authorization, by reason (missing, invalid, forbidden, origin)", ["reason"]),
    rateLimitedTotal: counter("rate_limited_total", "Requests answered 429 by a rate limit, by limit (caller, transfer_source)", ["limit"]),
    rateLimitFallbacksTotal: counter("rate_limit_fallbacks_total", "Rate-limit checks answered by this instance alone because Redis did not answer"),
    auditFailuresTotal: counter("audit_failures_total", "Admin actions whose audit.events row could not be written (logged)"),
    transfersTotal: counter("transfers_total", "Transfer decisions, by decision (APPROVE, REQUIRE_2FA, DENY)", ["decision"]),
    transferRefusalsTotal: counter("transfer_refusals_total", "Transfer requests answered without a decision, by code", ["code"]),
    holdsActive: gaugeOf("holds_active", "Open transfers (APPROVED or PENDING_2FA) holding funds on their source", () => sources.holdsActive()),
    httpRequestsTotal: new BatchedCounter(`${METRIC_PREFIX}http_requests_total`, "HTTP requests answered, by method, route template and status", [registry], ["method", "route", "status"]),
    ...histogramsOf(registry),
  };
  for (const reason of INVALID_REASONS) metrics.messagesInvalidTotal.inc({ reason }, 0);
  return metrics;
}

type CounterOf = (name: string, help: string, labelNames?: string[], registers?: Registry[]) => Counter;

/** The consumer's and the snapshots' metrics: registered only in Kafka mode (`registers` is empty otherwise). */
function kafkaMetricsOf(counter: CounterOf, registers: Registry[], stalled: () => number) {
  return {
    kafkaRebalancesTotal: counter("kafka_rebalances_total", "Consumer group rebalances seen", [], registers),
    kafkaConsumerCrashesTotal: counter("kafka_consumer_crashes_total", "Kafka consumer crashes", [], registers),
    kafkaRecoveryFailuresTotal: counter("kafka_recovery_failures_total", "Partition recoveries that failed and were retried", [], registers),
    kafkaPartitionPausesTotal: counter("kafka_partition_pauses_total", "Partitions paused because their shard's mailboxes reached the bound", [], registers),
    kafkaConsumerLag: new Gauge({
      name: `${METRIC_PREFIX}kafka_consumer_lag`, help: "Messages behind the partition's end, as of its last fetched batch (per input topic and partition this instance reads)",
      labelNames: ["topic", "partition"], registers,
    }),
    kafkaConsumerStalled: new Gauge({
      name: `${METRIC_PREFIX}kafka_consumer_stalled`, help: "1 while the consumer has not fetched for KAFKA_STALL_MS", registers, collect() { this.set(stalled()); },
    }),
    snapshotWritesTotal: counter("snapshot_writes_total", "Shard snapshots written to Redis", [], registers),
    snapshotAccountsWrittenTotal: counter("snapshot_accounts_written_total", "Account states written in snapshots", [], registers),
    snapshotFailuresTotal: counter("snapshot_failures_total", "Snapshot writes that failed (retried next pass)", [], registers),
    shardFencedTotal: counter("shard_fenced_total", "Shards let go because a newer owner claimed them", [], registers),
  };
}

function histogramsOf(registry: Registry) {
  return {
    httpRequestDurationSeconds: new BatchedHistogram(
      `${METRIC_PREFIX}http_request_duration_seconds`, "Time from a request's arrival to its answer, by method, route template and status",
      [1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 5], [registry], ["method", "route", "status"],
    ),
    transferDecisionDurationSeconds: new Histogram({
      name: `${METRIC_PREFIX}transfer_decision_duration_seconds`,
      help: "Time from a transfer's turn in its source actor to its durable decision (the journal write included)",
      buckets: [1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.5],
      registers: [registry],
    }),
    applyDurationSeconds: new BatchedHistogram(
      `${METRIC_PREFIX}apply_duration_seconds`, "Time to validate and apply one message",
      [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2, 0.1], [registry],
    ),
  };
}

/** What the process is: its memory, its start, its build. */
function registerProcessMetrics(registry: Registry, version: string): void {
  // Not prom-client's default metrics: on Bun their heap-space figures call heapStats(), which
  // blocks the event loop for ~300 ms per scrape on a large heap. Memory comes from here instead.
  new Gauge({
    name: `${METRIC_PREFIX}process_resident_memory_bytes`,
    help: "Resident memory size in bytes",
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({ name: `${METRIC_PREFIX}process_start_time_seconds`, help: "When the process started, in Unix seconds", registers: [registry] })
    .set(Math.floor(performance.timeOrigin) / 1000);
  new Gauge({
    name: `${METRIC_PREFIX}build_info`, help: "Always 1; the labels say which build runs", labelNames: ["version", "bun_version"], registers: [registry],
  }).set({ version, bun_version: Bun.version }, 1);
}
