/** Prometheus metrics with the contract's names. One registry per engine, so tests stay apart. */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { INVALID_REASONS } from "../domain/reasons.ts";

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  // Not prom-client's default metrics: on Bun their heap-space figures call heapStats(), which
  // blocks the event loop for ~300 ms per scrape on a large heap. Memory comes from here instead.
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes",
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  /** Read at scrape time; the engine and the composition root point them at the live figures. */
  const sources = {
    accountCount: () => 0, syncPendingRows: () => 0, eventLogBuffered: () => 0, kafkaConsumerStalled: () => 0, mailboxQueued: () => 0,
    wsBufferedBytes: () => 0, wsSubscriptions: () => 0,
  };
  const gaugeOf = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  const metrics = {
    registry,
    sources,
    messagesTotal: counter("messages_total", "Messages processed, by topic and outcome", ["topic", "outcome"]),
    messagesInvalidTotal: counter("messages_invalid_total", "Invalid messages, by reason", ["reason"]),
    dlqTotal: counter("dlq_total", "Dead letters, by reason", ["reason"]),
    dlqProduceFailuresTotal: counter("dlq_produce_failures_total", "Failed sends of dead letters to the Kafka DLQ topic (kept and retried)"),
    dlqEvictedTotal: counter("dlq_evicted_total", "Dead letters pushed out of the bounded in-memory DLQ"),
    eodMismatchTotal: counter("eod_mismatch_total", "EODs that disagree with the engine's own close"),
    eodFixesTotal: counter("eod_fixes_total", "EOD fixes (same day, later timestamp)"),
    alertsTotal: counter("alerts_total", "High-value alerts raised"),
    facilityLookupsTotal: counter("facility_lookups_total", "Facility lookups by result", ["result"]),
    accounts: gaugeOf("accounts", "Accounts held in memory", () => sources.accountCount()),
    wsClients: gauge("ws_clients", "Connected WebSocket clients"),
    wsSlowDisconnectsTotal: counter("ws_slow_disconnects_total", "WebSocket clients cut off for falling behind"),
    wsBufferedBytes: gaugeOf("ws_buffered_bytes", "Unsent bytes held for WebSocket clients (as of each one's last send or drain)", () => sources.wsBufferedBytes()),
    wsSubscriptions: gaugeOf("ws_subscriptions", "Account subscriptions of all WebSocket connections", () => sources.wsSubscriptions()),
    wsRefusedTotal: counter("ws_refused_total", "WebSocket upgrades refused at WS_CONNECTIONS_MAX"),
    mailboxQueued: gaugeOf("mailbox_queued_messages", "Messages waiting in account mailboxes behind async work (lookups)", () => sources.mailboxQueued()),
    ingestRefusedTotal: counter("ingest_refused_total", "POST /v1/events answered 429 because the mailboxes were at their bound"),
    kafkaRebalancesTotal: counter("kafka_rebalances_total", "Consumer group rebalances seen"),
    kafkaConsumerCrashesTotal: counter("kafka_consumer_crashes_total", "Kafka consumer crashes"),
    kafkaPartitionPausesTotal: counter("kafka_partition_pauses_total", "Partitions paused because their shard's mailboxes reached the bound"),
    kafkaRecoveryFailuresTotal: counter("kafka_recovery_failures_total", "Partition recoveries that failed and were retried"),
    kafkaConsumerStalled: gaugeOf("kafka_consumer_stalled", "1 while the consumer has not fetched for KAFKA_STALL_MS", () => sources.kafkaConsumerStalled()),
    snapshotWritesTotal: counter("snapshot_writes_total", "Shard snapshots written to Redis"),
    snapshotAccountsWrittenTotal: counter("snapshot_accounts_written_total", "Account states written in snapshots"),
    snapshotFailuresTotal: counter("snapshot_failures_total", "Snapshot writes that failed (retried next pass)"),
    shardFencedTotal: counter("shard_fenced_total", "Shards let go because a newer owner claimed them"),
    syncRowsWrittenTotal: counter("sync_rows_written_total", "Rows written to datalake.account"),
    syncBatchesTotal: counter("sync_batches_total", "Batches written to datalake.account"),
    syncRowsFencedTotal: counter("sync_rows_fenced_total", "Pending rows not written because another instance now owns the account"),
    syncFailuresTotal: counter("sync_failures_total", "Failed writes to datalake.account (retried)"),
    syncPendingRows: gaugeOf("sync_pending_rows", "Accounts whose change is not yet in datalake.account", () => sources.syncPendingRows()),
    eventLogDroppedTotal: counter("event_log_dropped_total", "Events not logged to ClickHouse, by reason", ["reason"]),
    eventLogBuffered: gaugeOf("event_log_buffered", "Events waiting to be inserted into ClickHouse", () => sources.eventLogBuffered()),
    dropsTotal: counter("dropped_total", "Items dropped at a bound, by what", ["what"]),
    balanceBusRejectedTotal: counter("balance_bus_rejected_total", "Batches on the Redis balance bus refused (bad signature or content), by reason", ["reason"]),
    applyDurationSeconds: new Histogram({
      name: "apply_duration_seconds",
      help: "Time to validate and apply one message",
      buckets: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2, 0.1],
      registers: [registry],
    }),
  };
  for (const reason of INVALID_REASONS) metrics.messagesInvalidTotal.inc({ reason }, 0);
  return metrics;
}

