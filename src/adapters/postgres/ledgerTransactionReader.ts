/** The ledger's side of reconciliation: its transactions by transfer id, a chunk per query. */
import type { TransferFigures } from "../../domain/ledger/ledgerDrift.ts";
import type { LedgerTransactionReader } from "../../runtime/ports.ts";
import { minorFromColumn, type SqlQuery } from "./sqlClient.ts";

interface Row {
  readonly id: string;
  readonly status: "POSTED" | "FAILED";
  readonly from_account_id: string;
  readonly to_account_id: string;
  readonly amount: unknown;
  readonly currency: string;
}

export class SqlLedgerTransactionReader implements LedgerTransactionReader {
  constructor(private readonly sql: SqlQuery) {}

  async readMany(transferIds: readonly string[]): ReturnType<LedgerTransactionReader["readMany"]> {
    try {
      const { rows } = await this.sql.query<Row>(
        "SELECT id, status, from_account_id, to_account_id, amount, currency FROM ledger.transactions WHERE id = ANY($1::text[])", [transferIds]);
      const found = new Map<string, TransferFigures>();
      for (const row of rows) {
        found.set(row.id, { status: row.status, fromAccountId: row.from_account_id, toAccountId: row.to_account_id, amountMinor: minorFromColumn(row.amount), currency: row.currency });
      }
      return { ok: true, transactions: found };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
