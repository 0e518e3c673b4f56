/**
 * Continuous reconciliation: every RECONCILE_INTERVAL_MS the engine compares each account it
 * holds with its row in `datalake.account`, a chunk of accounts per query. Only accounts whose
 * last change is older than the sync delay (plus a settle margin for a write in flight) are
 * compared: younger ones may rightly not be there yet. A drift is a missing row, or one whose
 * figures or version are not the engine's; both figures are kept for the admin route, at most
 * RECONCILIATION_DRIFTS_LISTED_MAX of them. With a ledger, the same pass compares the transfers
 * the engine holds with ledger.transactions (ledgerReconciliation.ts), past `ledgerSettleMs`.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import type { Logger } from "../observability/log.ts";
import { reconcileLedger } from "./ledgerReconciliation.ts";
import { SCAN_SLICE, scanTurn } from "./scanTurns.ts";
import type {
  AccountCopyBatchReader, AccountRow, LedgerReconciliation, LedgerTransactionReader, ReconciliationDrift, ReconciliationReader, ReconciliationReport,
} from "./ports.ts";

export const RECONCILIATION_CHUNK_ACCOUNTS = 1000;
export const RECONCILIATION_DRIFTS_LISTED_MAX = 1000;
/** Past SYNC_MAX_DELAY_MS, how long a write may still be on its way (a batch's round trip). */
export const RECONCILIATION_SETTLE_MS = 1000;

export interface ReconcilerOptions {
  /** The rows of every account held (dormant ones read without waking them). */
  readonly rows: () => Iterable<AccountRow>;
  /** The accounts that may hold transfers (a dormant one holds none), for the ledger part. */
  readonly accountsWithTransfers: () => Iterable<[number, AccountState]>;
  /** Whether the account is still at `version` (unchanged while its row was read). */
  readonly isAt: (accountId: string, version: number) => boolean;
  readonly copy: AccountCopyBatchReader;
  readonly syncMaxDelayMs: number;
  readonly intervalMs: number;
  readonly log: Logger;
  readonly now?: () => number;
  /** ledger.transactions, when this engine's database has the ledger (embedded, or DATABASE_URL). */
  readonly ledger?: LedgerTransactionReader;
  /** A transfer unchanged for this long has had time to reach the ledger and come back. */
  readonly ledgerSettleMs?: number;
}

/** RECONCILE_LEDGER_SETTLE_MS's default: the ledger's retries (14 s) and a relay's backoff, with room. */
export const LEDGER_SETTLE_MS_DEFAULT = 30_000;

export class Reconciler implements ReconciliationReader {
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private last: ReconciliationReport = { checkedAtMs: null, accountsChecked: 0, driftAccounts: 0, drifts: [], copyUnavailable: false, ledger: null };

  constructor(private readonly options: ReconcilerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  report(): ReconciliationReport {
    return this.last;
  }

  /** One full pass; the report changes only when it completes (or says the copy is unavailable). */
  async runOnce(): Promise<ReconciliationReport> {
    const settledBeforeMs = this.now() - this.options.syncMaxDelayMs - RECONCILIATION_SETTLE_MS;
    const drifts: ReconciliationDrift[] = [];
    let checked = 0;
    let driftAccounts = 0;
    for await (const chunk of settledChunks(this.options.rows(), settledBeforeMs)) {
      const read = await this.options.copy.readMany(chunk.map((row) => row.accountId));
      if (!read.ok) {
        this.options.log.warn("reconciliation_copy_unavailable", { error: read.error });
        this.last = { ...this.last, copyUnavailable: true };
        return this.last;
      }
      const copies = new Map(read.rows.map((row) => [row.accountId, row]));
      for (const engine of chunk) {
        // An account that changed while its row was read is compared next time.
        if (!this.options.isAt(engine.accountId, engine.version)) continue;
        checked += 1;
        const copy = copies.get(engine.accountId) ?? null;
        if (copy !== null && sameFigures(engine, copy)) continue;
        driftAccounts += 1;
        if (drifts.length < RECONCILIATION_DRIFTS_LISTED_MAX) drifts.push({ engine, copy });
      }
    }
    if (driftAccounts > 0) this.options.log.warn("reconciliation_drift", { driftAccounts, accountsChecked: checked });
    const ledger = await this.ledgerPart();
    this.last = { checkedAtMs: this.now(), accountsChecked: checked, driftAccounts, drifts, copyUnavailable: false, ledger };
    return this.last;
  }

  private async ledgerPart(): Promise<LedgerReconciliation | null> {
    if (this.options.ledger === undefined) return null;
    const settledBeforeMs = this.now() - (this.options.ledgerSettleMs ?? LEDGER_SETTLE_MS_DEFAULT);
    const result = await reconcileLedger(this.options.accountsWithTransfers(), this.options.ledger, settledBeforeMs);
    if (!result.ok) {
      this.options.log.warn("reconciliation_ledger_unavailable", { error: result.error });
      const previous = this.last.ledger ?? { transfersChecked: 0, driftTransfers: 0, drifts: [] };
      return { ...previous, unavailable: true };
    }
    if (result.part.driftTransfers > 0) this.options.log.warn("reconciliation_ledger_drift", { driftTransfers: result.part.driftTransfers, transfersChecked: result.part.transfersChecked });
    return result.part;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runOnce().catch((error) => this.options.log.error("reconciliation_failed", { error: String(error) })).finally(() => this.schedule());
    }, this.options.intervalMs);
  }
}

/**
 * The rows of the accounts whose last change is settled, copied now, a chunk at a time; the scan
 * lets the event loop turn every SCAN_SLICE rows, settled or not. The accounts may change in
 * between: a changed one is skipped (`isAt`), one created or woken after the scan passed it is
 * compared next time, and during a rebalance an account may be visited twice.
 */
async function* settledChunks(rows: Iterable<AccountRow>, settledBeforeMs: number): AsyncGenerator<AccountRow[]> {
  let chunk: AccountRow[] = [];
  let scanned = 0;
  for (const row of rows) {
    if (++scanned % SCAN_SLICE === 0) await scanTurn();
    if (row.updatedAtMs > settledBeforeMs) continue;
    chunk.push(row);
    if (chunk.length === RECONCILIATION_CHUNK_ACCOUNTS) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function sameFigures(engine: AccountRow, copy: AccountRow): boolean {
  return engine.balanceMinor === copy.balanceMinor && engine.availableMinor === copy.availableMinor
    && engine.version === copy.version && engine.originMs === copy.originMs && engine.eodDate === copy.eodDate;
}
