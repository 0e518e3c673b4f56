/**
 * The ledger in SQL (migration 005; Postgres, or the embedded store): a batch of approved
 * transfers posted in one transaction, and the outbox read and emptied by the relay.
 * Posting order inside the transaction: create the accounts the batch names (in id order), lock
 * them all `FOR UPDATE` in id order (two workers never wait on each other in a circle), read which
 * transfers the ledger has already (under those locks a concurrent posting of the same transfer
 * has committed or not started), plan (the domain), then write transactions, entries, balances and
 * the outbox with one statement each. The primary key on the transfer id is the last guard.
 */
import { planPostings, type ApprovedTransfer, type LedgerAccount, type PostingOutcome } from "../../domain/ledger/postingPlan.ts";
import { failedItemOf, legItemsOf } from "../../runtime/ledgerOutboxItems.ts";
import type { LedgerBatchOutcome, LedgerStore, Outbox, OutboxItem } from "../../runtime/ports.ts";
import { minorFromColumn, type SqlClient, type SqlQuery } from "./sqlClient.ts";

interface AccountRow {
  readonly id: string;
  readonly currency: string;
  readonly balance: unknown;
  readonly version: unknown;
}

export class SqlLedgerStore implements LedgerStore, Outbox {
  constructor(private readonly sql: SqlClient) {}

  post(transfers: readonly ApprovedTransfer[], atMs: number): Promise<LedgerBatchOutcome> {
    if (transfers.length === 0) return Promise.resolve({ posted: 0, duplicates: 0, failed: [] });
    return this.sql.transaction(async (tx) => {
      const accounts = await lockAccounts(tx, transfers);
      const done = await alreadyDone(tx, transfers);
      const plan = planPostings(transfers, accounts, done);
      const at = new Date(atMs).toISOString();
      await insertTransactions(tx, plan.outcomes, at);
      await insertEntries(tx, plan.outcomes, at);
      await updateAccounts(tx, plan.changedAccounts, at);
      await insertOutbox(tx, plan.outcomes.flatMap((outcome) => outcome.kind === "posted" ? legItemsOf(outcome.transfer, atMs) : [failedItemOf(outcome.transfer, atMs)]));
      const failed = plan.outcomes.flatMap((outcome) => outcome.kind === "failed" ? [{ transfer: outcome.transfer, reason: outcome.reason }] : []);
      return { posted: plan.outcomes.length - failed.length, duplicates: transfers.length - plan.outcomes.length, failed };
    });
  }

  drain(limit: number, send: (items: readonly OutboxItem[]) => Promise<void>): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: unknown; kind: OutboxItem["kind"]; key: string; payload: string }>(
        "SELECT id, kind, key, payload FROM ledger.outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", [limit]);
      if (rows.length === 0) return 0;
      await send(rows.map(({ kind, key, payload }) => ({ kind, key, payload })));
      await tx.query("DELETE FROM ledger.outbox WHERE id = ANY($1::bigint[])", [rows.map((row) => String(row.id))]);
      return rows.length;
    });
  }

  async pending(): Promise<number> {
    const { rows } = await this.sql.query<{ count: unknown }>("SELECT count(*) AS count FROM ledger.outbox");
    return minorFromColumn(rows[0]!.count);
  }
}

/** Creates the accounts the batch names (with the currency of the first transfer naming each), then locks them all. */
async function lockAccounts(tx: SqlQuery, transfers: readonly ApprovedTransfer[]): Promise<Map<string, LedgerAccount>> {
  const currencies = new Map<string, string>();
  for (const transfer of transfers) {
    if (!currencies.has(transfer.fromAccountId)) currencies.set(transfer.fromAccountId, transfer.currency);
    if (!currencies.has(transfer.toAccountId)) currencies.set(transfer.toAccountId, transfer.currency);
  }
  const ids = [...currencies.keys()].sort();
  await tx.query(
    `INSERT INTO ledger.accounts (id, currency) SELECT id, currency FROM unnest($1::text[], $2::text[]) AS v(id, currency)
     ORDER BY id ON CONFLICT (id) DO NOTHING`, [ids, ids.map((id) => currencies.get(id)!)]);
  const { rows } = await tx.query<AccountRow>(
    "SELECT id, currency, balance, version FROM ledger.accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [ids]);
  return new Map(rows.map((row) => [row.id, { id: row.id, currency: row.currency, balanceMinor: minorFromColumn(row.balance), version: minorFromColumn(row.version) }]));
}

async function alreadyDone(tx: SqlQuery, transfers: readonly ApprovedTransfer[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ id: string }>("SELECT id FROM ledger.transactions WHERE id = ANY($1::text[])", [transfers.map((t) => t.transferId)]);
  return new Set(rows.map((row) => row.id));
}

async function insertTransactions(tx: SqlQuery, outcomes: readonly PostingOutcome[], at: string): Promise<void> {
  if (outcomes.length === 0) return;
  const column = <T>(of: (outcome: PostingOutcome) => T) => outcomes.map(of);
  await tx.query(
    `INSERT INTO ledger.transactions (id, idempotency_key, type, status, from_account_id, to_account_id, amount, currency, risk_score, metadata, created_at, posted_at)
     SELECT id, key, 'TRANSFER', status, src, dst, amount, currency, score, metadata::jsonb, created, CASE WHEN status = 'POSTED' THEN $11::timestamptz END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::float8[], $9::text[], $10::timestamptz[])
       AS v(id, key, status, src, dst, amount, currency, score, metadata, created)`,
    [
      column((o) => o.transfer.transferId), column((o) => o.transfer.idempotencyScope), column((o) => o.kind === "posted" ? "POSTED" : "FAILED"),
      column((o) => o.transfer.fromAccountId), column((o) => o.transfer.toAccountId), column((o) => String(o.transfer.amountMinor)),
      column((o) => o.transfer.currency), column((o) => o.transfer.riskScore),
      column((o) => JSON.stringify(o.kind === "posted" ? { reference: o.transfer.reference } : { reference: o.transfer.reference, failure: o.reason })),
      column((o) => new Date(o.transfer.createdAtMs).toISOString()), at,
    ]);
}

async function insertEntries(tx: SqlQuery, outcomes: readonly PostingOutcome[], at: string): Promise<void> {
  const entries = outcomes.flatMap((outcome) => outcome.kind === "posted" ? outcome.entries : []);
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO ledger.entries (transaction_id, account_id, direction, amount, balance_after, created_at)
     SELECT transaction_id, account_id, direction, amount, balance_after, $6::timestamptz
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS v(transaction_id, account_id, direction, amount, balance_after)`,
    [entries.map((e) => e.transactionId), entries.map((e) => e.accountId), entries.map((e) => e.direction),
      entries.map((e) => String(e.amountMinor)), entries.map((e) => String(e.balanceAfterMinor)), at]);
}

async function updateAccounts(tx: SqlQuery, accounts: readonly LedgerAccount[], at: string): Promise<void> {
  if (accounts.length === 0) return;
  await tx.query(
    `UPDATE ledger.accounts AS a SET balance = v.balance, version = v.version, updated_at = $4::timestamptz
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(id, balance, version) WHERE a.id = v.id`,
    [accounts.map((a) => a.id), accounts.map((a) => String(a.balanceMinor)), accounts.map((a) => String(a.version)), at]);
}

async function insertOutbox(tx: SqlQuery, items: readonly OutboxItem[]): Promise<void> {
  if (items.length === 0) return;
  await tx.query("INSERT INTO ledger.outbox (kind, key, payload) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
    [items.map((i) => i.kind), items.map((i) => i.key), items.map((i) => i.payload)]);
}
