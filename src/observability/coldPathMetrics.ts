/**
 * The cold path's metrics (contract section 7): the ledger worker's, on the registry of the
 * process that runs it (the worker's own, or the engine's in embedded mode), and the engine's
 * webhook deliveries.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { METRIC_PREFIX } from "./metrics.ts";

export type LedgerMetrics = ReturnType<typeof createLedgerMetrics>;

export function createLedgerMetrics(registry: Registry, outboxPending: () => Promise<number>) {
  return {
    postingsTotal: new Counter({
      name: `${METRIC_PREFIX}ledger_postings_total`, registers: [registry], labelNames: ["outcome"],
      help: "Approved transfers the ledger handled: posted, duplicate (already there), failed (a re-check, or the database past its retries), retried (a batch tried again)",
    }),
    consumerLag: new Gauge({
      name: `${METRIC_PREFIX}ledger_consumer_lag`, registers: [registry], labelNames: ["partition"],
      help: "Approved transfers not yet read by this worker, per partition of financial.transactions.approved (the signal to add workers)",
    }),
    batchSeconds: new Histogram({
      name: `${METRIC_PREFIX}ledger_batch_duration_seconds`, registers: [registry], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15],
      help: "One batch of approved transfers, from its read to its commit (retries included)",
    }),
    outboxSentTotal: new Counter({ name: `${METRIC_PREFIX}outbox_sent_total`, registers: [registry], help: "Outbox items (legs, failures) the relay sent" }),
    outboxPending: new Gauge({
      name: `${METRIC_PREFIX}outbox_pending`, registers: [registry], help: "Outbox items waiting for the relay (read from the database at each scrape; -1 when it does not answer)",
      async collect() {
        this.set(await outboxPending().catch(() => -1));
      },
    }),
  };
}

export function createWebhookMetrics(registry: Registry) {
  return new Counter({
    name: `${METRIC_PREFIX}webhook_deliveries_total`, registers: [registry], labelNames: ["outcome"],
    help: "Webhook delivery attempts by outcome: delivered, retried, failed (gave up), dropped (the queue was full)",
  });
}
