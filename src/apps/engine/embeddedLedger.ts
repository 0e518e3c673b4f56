/**
 * Embedded mode's ledger worker, in the engine's process (contract section 7): the same poster,
 * store and relay as `--role ledger-worker`, on the embedded store, fed by an in-process queue
 * instead of Kafka, and relaying into the engine itself. A transfer the ledger gives up on is
 * logged at error (there is no DLQ topic without Kafka) and ends FAILED.
 */
import { SqlLedgerStore } from "../../adapters/postgres/ledgerStore.ts";
import type { SqlClient } from "../../adapters/postgres/sqlClient.ts";
import type { ApprovedTransfer } from "../../domain/ledger/postingPlan.ts";
import { createLedgerMetrics } from "../../observability/coldPathMetrics.ts";
import type { Logger } from "../../observability/log.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { InProcessLedgerOutlet, InProcessLedgerQueue } from "../../runtime/inProcessLedger.ts";
import { failedItemOf } from "../../runtime/ledgerOutboxItems.ts";
import { LedgerPoster } from "../../runtime/ledgerPoster.ts";
import { OutboxRelay } from "../../runtime/outboxRelay.ts";
import type { EngineCore } from "./engineCore.ts";

const RELAY_IDLE_MS = 1000;

export type EmbeddedLedger = ReturnType<typeof openEmbeddedLedger>;

export function openEmbeddedLedger(store: SqlClient, core: EngineCore, metrics: Metrics, log: Logger, batchMax: number) {
  const ledger = new SqlLedgerStore(store);
  const ledgerMetrics = createLedgerMetrics(metrics.registry, () => ledger.pending());
  const outlet = new InProcessLedgerOutlet(core.ingest, core.journalReplay, (accountId) => core.runtime.homeShardOf(accountId));
  const relay = new OutboxRelay({ outbox: ledger, outlet, log, idleMs: RELAY_IDLE_MS, sent: (count) => ledgerMetrics.outboxSentTotal.inc(count) });
  const deadLetters = {
    send: async (transfer: ApprovedTransfer, reason: string) => log.error("ledger_dead_letter", { reason, transfer }),
  };
  const poster = new LedgerPoster({
    store: ledger, deadLetters, outlet, log, now: Date.now,
    counted: (outcome, count) => ledgerMetrics.postingsTotal.inc({ outcome }, count), committed: () => relay.nudge(),
  });
  const queue = new InProcessLedgerQueue(poster, batchMax, (transfer) => {
    metrics.dropsTotal.inc({ what: "ledger_queue" });
    log.error("ledger_queue_full", { transferId: transfer.transferId });
    void outlet.send([failedItemOf(transfer, Date.now())]);
  }, (error) => log.error("ledger_batch_failed", { error: String(error) }));
  return {
    feed: (transfer: ApprovedTransfer) => queue.add(transfer),
    start: () => relay.start(),
    async stop() {
      poster.stop();
      await queue.idle();
      await relay.stop();
    },
  };
}
