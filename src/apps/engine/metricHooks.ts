/** The metric hooks adapters report to: each adapter names events, this maps them to metrics. */
import type { AccountSyncObserver } from "../../adapters/postgres/accountSync.ts";
import type { KafkaSourceMetrics } from "../../adapters/kafka/kafkaSource.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { formatAmount } from "../../domain/money.ts";
import type { Logger } from "../../observability/log.ts";
import type { AccountRow } from "../../runtime/ports.ts";
import type { Metrics } from "../../observability/metrics.ts";

export function accountSyncObserver(metrics: Metrics, log: Logger): AccountSyncObserver {
  return {
    batchWritten: ({ rows }) => {
      metrics.syncBatchesTotal.inc();
      metrics.syncRowsWrittenTotal.inc(rows);
    },
    batchFailed: ({ rows, error, retryInMs }) => {
      metrics.syncFailuresTotal.inc();
      log.warn("sync_failed", { rows, error: String(error), retryInMs });
    },
    rowsFenced: (count) => metrics.syncRowsFencedTotal.inc(count),
    // Seen only when a zombie writes late, or when the clocks of two hosts disagree by more than
    // the time between an account's two origins: worth a line each time.
    rowRejected: ({ row, error, sqlState }) => {
      metrics.syncRowsRejectedTotal.inc();
      log.error("sync_row_rejected", { accountId: row.accountId, sqlState, error: error.message, row: accountRowFields(row) });
    },
    rowsRefused: (count) => {
      metrics.syncRowsRefusedTotal.inc(count);
      log.warn("sync_rows_refused", { rows: count });
    },
  };
}

export function kafkaSourceMetrics(metrics: Metrics): KafkaSourceMetrics {
  return {
    rebalance: () => metrics.kafkaRebalancesTotal.inc(),
    crash: () => metrics.kafkaConsumerCrashesTotal.inc(),
    recoveryFailed: () => metrics.kafkaRecoveryFailuresTotal.inc(),
    paused: () => metrics.kafkaPartitionPausesTotal.inc(),
    lag: (topic, partition, lag) => metrics.kafkaConsumerLag.labels(topic, String(partition)).set(lag),
    lagCleared: () => metrics.kafkaConsumerLag.reset(),
    snapshotWritten: (accounts) => {
      metrics.snapshotWritesTotal.inc();
      metrics.snapshotAccountsWrittenTotal.inc(accounts);
    },
    snapshotFailed: () => metrics.snapshotFailuresTotal.inc(),
    fenced: () => metrics.shardFencedTotal.inc(),
  };
}

/** A row as a log line shows it: amounts as decimal strings, as on the wire. */
function accountRowFields(row: AccountRow): Record<string, unknown> {
  const digits = minorDigitsOf(row.currency);
  const amount = (minor: number | null) => (minor === null || digits === undefined ? minor : formatAmount(minor, digits));
  return {
    currency: row.currency, balance: amount(row.balanceMinor), available: amount(row.availableMinor),
    eodDate: row.eodDate, version: row.version, originMs: row.originMs,
  };
}
