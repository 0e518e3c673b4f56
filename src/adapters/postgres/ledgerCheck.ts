/**
 * The ledger's invariants (contract section 7), checked on the live database: each posted
 * transaction has one debit and one credit of its amount (debits equal credits), a failed one has
 * no entries, and each account's balance is the sum of its entries (credits − debits) with its
 * last entry's `balance_after` equal to it. Posting at most once is the primary key's. Each
 * query returns the rows that break a rule, at most VIOLATIONS_MAX each.
 */
import type { SqlQuery } from "./sqlClient.ts";

const VIOLATIONS_MAX = 100;

export interface LedgerViolation {
  readonly rule: string;
  readonly id: string;
  readonly detail: string;
}

const RULES: readonly { readonly rule: string; readonly sql: string }[] = [
  {
    rule: "posted transaction: one debit and one credit of its amount",
    sql: `SELECT t.id, concat('debits ', coalesce(sum(e.amount) FILTER (WHERE e.direction = 'DEBIT'), 0), ', credits ',
            coalesce(sum(e.amount) FILTER (WHERE e.direction = 'CREDIT'), 0), ', amount ', t.amount, ', entries ', count(e.id)) AS detail
          FROM ledger.transactions t LEFT JOIN ledger.entries e ON e.transaction_id = t.id
          WHERE t.status = 'POSTED' GROUP BY t.id, t.amount
          HAVING count(e.id) <> 2
              OR coalesce(sum(e.amount) FILTER (WHERE e.direction = 'DEBIT'), 0) <> t.amount
              OR coalesce(sum(e.amount) FILTER (WHERE e.direction = 'CREDIT'), 0) <> t.amount
          LIMIT ${VIOLATIONS_MAX}`,
  },
  {
    rule: "failed transaction: no entries",
    sql: `SELECT t.id, concat(count(e.id), ' entries') AS detail FROM ledger.transactions t JOIN ledger.entries e ON e.transaction_id = t.id
          WHERE t.status = 'FAILED' GROUP BY t.id LIMIT ${VIOLATIONS_MAX}`,
  },
  {
    rule: "account balance: the sum of its entries (credits − debits)",
    sql: `SELECT a.id, concat('balance ', a.balance, ', entries sum ', coalesce(s.total, 0)) AS detail
          FROM ledger.accounts a LEFT JOIN (
            SELECT account_id, sum(CASE WHEN direction = 'CREDIT' THEN amount ELSE -amount END) AS total FROM ledger.entries GROUP BY account_id
          ) s ON s.account_id = a.id
          WHERE a.balance <> coalesce(s.total, 0) LIMIT ${VIOLATIONS_MAX}`,
  },
  {
    rule: "account balance: its last entry's balance_after",
    sql: `SELECT a.id, concat('balance ', a.balance, ', last balance_after ', l.balance_after) AS detail
          FROM ledger.accounts a JOIN (
            SELECT DISTINCT ON (account_id) account_id, balance_after FROM ledger.entries ORDER BY account_id, id DESC
          ) l ON l.account_id = a.id
          WHERE a.balance <> l.balance_after LIMIT ${VIOLATIONS_MAX}`,
  },
];

export async function checkLedger(sql: SqlQuery): Promise<LedgerViolation[]> {
  const violations: LedgerViolation[] = [];
  for (const { rule, sql: query } of RULES) {
    const { rows } = await sql.query<{ id: string; detail: string }>(query);
    violations.push(...rows.map((row) => ({ rule, id: row.id, detail: row.detail })));
  }
  return violations;
}

export interface LedgerTotals {
  readonly transactions: number;
  readonly posted: number;
  readonly entries: number;
  readonly accounts: number;
}

export async function ledgerTotals(sql: SqlQuery): Promise<LedgerTotals> {
  const { rows } = await sql.query<Record<keyof LedgerTotals, unknown>>(
    `SELECT (SELECT count(*) FROM ledger.transactions) AS transactions, (SELECT count(*) FROM ledger.transactions WHERE status = 'POSTED') AS posted,
            (SELECT count(*) FROM ledger.entries) AS entries, (SELECT count(*) FROM ledger.accounts) AS accounts`);
  const row = rows[0]!;
  return { transactions: Number(row.transactions), posted: Number(row.posted), entries: Number(row.entries), accounts: Number(row.accounts) };
}
