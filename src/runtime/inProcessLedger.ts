/**
 * Embedded mode's cold path, in the engine's process: approved transfers wait in a bounded queue
 * and are posted in batches by the ledger poster; the relay hands the legs to the engine's ingest
 * (as if they came from `bank.transactions`) and the failures to the transfer journal's replay
 * (the in-memory journal), so `bun start` alone shows a transfer reaching POSTED.
 */
import type { ApprovedTransfer } from "../domain/ledger/postingPlan.ts";
import type { LedgerPoster } from "./ledgerPoster.ts";
import type { LedgerOutlet, MessageIngest, OutboxItem, TransferJournalReplay } from "./ports.ts";

/** Approved transfers waiting for the in-process ledger at most. */
export const IN_PROCESS_QUEUE_MAX = 10_000;
const LEDGER_SOURCE = { kind: "ledger" } as const;

export class InProcessLedgerOutlet implements LedgerOutlet {
  constructor(
    private readonly ingest: MessageIngest,
    private readonly journal: TransferJournalReplay,
    private readonly shardOf: (accountId: string) => number,
  ) {}

  async send(items: readonly OutboxItem[]): Promise<void> {
    const legs = items.filter((item) => item.kind === "leg").map((item) => ({ value: JSON.parse(item.payload) as unknown, source: LEDGER_SOURCE }));
    if (legs.length > 0) await this.ingest.ingestAll(legs);
    for (const item of items) if (item.kind === "failed") await this.journal.replay(item.payload, this.shardOf(item.key));
  }
}

/** The queue between the transfer desk and the poster; one batch posted at a time. */
export class InProcessLedgerQueue {
  private waiting: ApprovedTransfer[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly poster: LedgerPoster,
    private readonly batchMax: number,
    /** The queue is full: the transfer is failed at once (its hold released), never left waiting unseen. */
    private readonly refused: (transfer: ApprovedTransfer) => void,
    private readonly crashed: (error: unknown) => void,
  ) {}

  add(transfer: ApprovedTransfer): void {
    if (this.waiting.length >= IN_PROCESS_QUEUE_MAX) return this.refused(transfer);
    this.waiting.push(transfer);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  get length(): number {
    return this.waiting.length;
  }

  /** Resolves when what was queued has been handled. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.batchMax);
      await this.poster.postBatch(batch).catch((error: unknown) => this.crashed(error));
    }
  }
}
