/**
 * The ledger worker's control flow for one batch of approved transfers: post it in one database
 * transaction; when the database fails, try again after 2 s, 4 s and 8 s (LEDGER_RETRY_DELAYS_MS);
 * then give up on each transfer of the batch: to the DLQ with the reason, and FAILED to the
 * engine, which releases its hold. A re-check that fails is permanent and needs no retry: the
 * store records it as failed at once. Knows no database and no Kafka: only the ports.
 */
import type { ApprovedTransfer } from "../domain/ledger/postingPlan.ts";
import type { Logger } from "../observability/log.ts";
import { failedItemOf } from "./ledgerOutboxItems.ts";
import type { LedgerBatchOutcome, LedgerDeadLetters, LedgerOutlet, LedgerStore } from "./ports.ts";

export const LEDGER_RETRY_DELAYS_MS: readonly number[] = [2000, 4000, 8000];

const KEEPALIVE_MS = 1000;

export type PostingCount = "posted" | "duplicate" | "failed" | "retried";

export interface LedgerPosterOptions {
  readonly store: LedgerStore;
  readonly deadLetters: LedgerDeadLetters;
  readonly outlet: LedgerOutlet;
  readonly log: Logger;
  readonly now: () => number;
  readonly retryDelaysMs?: readonly number[];
  /** `ledger_postings_total{outcome}`. */
  readonly counted: (outcome: PostingCount, count: number) => void;
  /** A batch committed: the relay has items to send. */
  readonly committed: () => void;
}

/** Thrown out of a retry wait when the worker stops: the batch stays uncommitted, so it is read again. */
export class PosterStopped extends Error {}

export class LedgerPoster {
  private stopped = false;
  private readonly waits = new Set<() => void>();

  constructor(private readonly options: LedgerPosterOptions) {}

  /**
   * `keepAlive` runs about every second while a retry waits (Kafka: the consumer's heartbeat, so
   * the group does not give the partition to another worker meanwhile); when it throws, the batch
   * is abandoned uncommitted (its new owner posts it), never given up on.
   */
  async postBatch(transfers: readonly ApprovedTransfer[], keepAlive: () => Promise<void> = async () => {}): Promise<void> {
    const delays = this.options.retryDelaysMs ?? LEDGER_RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt += 1) {
      if (this.stopped) throw new PosterStopped("the ledger worker is stopping");
      try {
        return this.recorded(await this.options.store.post(transfers, this.options.now()));
      } catch (error) {
        if (attempt >= delays.length) return this.giveUp(transfers, error);
        this.options.counted("retried", 1);
        this.options.log.warn("ledger_post_retry", { transfers: transfers.length, attempt: attempt + 1, delayMs: delays[attempt], error: String(error) });
        await this.waitAlive(delays[attempt]!, keepAlive);
      }
    }
  }

  /** Ends the retry waits; a batch being retried is left uncommitted (another worker reads it). */
  stop(): void {
    this.stopped = true;
    for (const wake of this.waits) wake();
  }

  private recorded(outcome: LedgerBatchOutcome): void {
    const { counted, log } = this.options;
    if (outcome.posted > 0) counted("posted", outcome.posted);
    if (outcome.duplicates > 0) counted("duplicate", outcome.duplicates);
    if (outcome.failed.length > 0) counted("failed", outcome.failed.length);
    for (const { transfer, reason } of outcome.failed) {
      log.error("ledger_transfer_failed", { transferId: transfer.transferId, fromAccountId: transfer.fromAccountId, reason });
    }
    this.options.committed();
  }

  /** The database stayed down through every retry: each transfer to the DLQ, then FAILED to the engine. */
  private async giveUp(transfers: readonly ApprovedTransfer[], error: unknown): Promise<void> {
    const reason = `ledger_unavailable: ${error instanceof Error ? error.message : String(error)}`;
    const unique = [...new Map(transfers.map((transfer) => [transfer.transferId, transfer])).values()];
    for (const transfer of unique) await this.options.deadLetters.send(transfer, reason);
    const atMs = this.options.now();
    await this.options.outlet.send(unique.map((transfer) => failedItemOf(transfer, atMs)));
    this.options.counted("failed", unique.length);
    for (const transfer of unique) {
      this.options.log.error("ledger_transfer_failed", { transferId: transfer.transferId, fromAccountId: transfer.fromAccountId, reason });
    }
  }

  private async waitAlive(ms: number, keepAlive: () => Promise<void>): Promise<void> {
    for (let waited = 0; waited < ms; waited += KEEPALIVE_MS) {
      await this.wait(Math.min(KEEPALIVE_MS, ms - waited));
      await keepAlive();
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.waits.delete(wake);
        if (this.stopped) reject(new PosterStopped("the ledger worker is stopping"));
        else resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waits.add(wake);
    });
  }
}
