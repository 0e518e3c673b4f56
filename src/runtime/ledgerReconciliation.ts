/**
 * The ledger half of a reconciliation pass: every transfer this instance holds that reached the
 * ledger's side (APPROVED, POSTED, FAILED) and has not changed for `settleMs`, compared with its
 * row in ledger.transactions, a chunk per query (domain/ledger/ledgerDrift.ts says what a drift
 * is). At most RECONCILIATION_DRIFTS_LISTED_MAX drifts are listed; all are counted.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import { isLedgerComparable, isLedgerDrift, type TransferFigures } from "../domain/ledger/ledgerDrift.ts";
import type { LedgerReconciliation, LedgerTransactionReader, LedgerTransferDrift } from "./ports.ts";
import { SCAN_SLICE, scanTurn } from "./scanTurns.ts";

const CHUNK_TRANSFERS = 1000;
const DRIFTS_LISTED_MAX = 1000;

interface EngineTransfer extends TransferFigures {
  readonly transferId: string;
}

export async function reconcileLedger(
  accounts: Iterable<[number, AccountState]>, reader: LedgerTransactionReader, settledBeforeMs: number,
): Promise<{ readonly ok: true; readonly part: LedgerReconciliation } | { readonly ok: false; readonly error: string }> {
  const drifts: LedgerTransferDrift[] = [];
  let checked = 0;
  let driftTransfers = 0;
  for await (const chunk of settledTransfers(accounts, settledBeforeMs)) {
    const read = await reader.readMany(chunk.map((transfer) => transfer.transferId));
    if (!read.ok) return read;
    for (const { transferId, ...engine } of chunk) {
      checked += 1;
      const ledger = read.transactions.get(transferId) ?? null;
      if (!isLedgerDrift(engine, ledger)) continue;
      driftTransfers += 1;
      if (drifts.length < DRIFTS_LISTED_MAX) drifts.push({ transferId, engine, ledger });
    }
  }
  return { ok: true, part: { transfersChecked: checked, driftTransfers, drifts, unavailable: false } };
}

/** The settled transfers, copied now, a chunk at a time; the scan lets the event loop turn every SCAN_SLICE accounts. */
async function* settledTransfers(accounts: Iterable<[number, AccountState]>, settledBeforeMs: number): AsyncGenerator<EngineTransfer[]> {
  let chunk: EngineTransfer[] = [];
  let scanned = 0;
  for (const [, state] of accounts) {
    if (++scanned % SCAN_SLICE === 0) await scanTurn();
    for (const transfer of state.transfers.values()) {
      if (!isLedgerComparable(transfer.status) || transfer.updatedAtMs > settledBeforeMs) continue;
      const { transferId, status, fromAccountId, toAccountId, amountMinor, currency } = transfer;
      chunk.push({ transferId, status, fromAccountId, toAccountId, amountMinor, currency });
      if (chunk.length === CHUNK_TRANSFERS) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}
