/**
 * The seed design's cold-path worker, as the baseline of `bench ledger-post`: kafkajs
 * `eachMessage`, and per approved transfer one Postgres transaction (lock both accounts, insert
 * the transaction and its two entries, update both balances, commit), offsets auto-committed.
 * Same tables, same locking order, same database: only the batching differs.
 */
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";

export async function runSeedLedgerWorker(brokers: string, topic: string, databaseUrl: string, count: number, timeLimitMs: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const consumer = new Kafka({ clientId: "seed-ledger", brokers: [brokers], logLevel: logLevel.NOTHING }).consumer({ groupId: `seed-ledger-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let posted = 0;
  let firstAt = 0;
  let lastAt = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (posted >= count) return resolve();
        const t = JSON.parse(message.value!.toString());
        firstAt ||= performance.now();
        await postOne(pool, t);
        posted += 1;
        lastAt = performance.now();
        if (posted >= count || lastAt - firstAt > timeLimitMs) resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  await pool.end();
  return (posted / (lastAt - firstAt)) * 1000;
}

async function postOne(pool: pg.Pool, t: { transferId: string; fromAccountId: string; toAccountId: string; amountMinor: number; currency: string; riskScore: number; idempotencyScope: string; createdAtMs: number }): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const ids = [t.fromAccountId, t.toAccountId].sort();
    for (const id of ids) await client.query("INSERT INTO ledger.accounts (id, currency) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [id, t.currency]);
    await client.query("SELECT id FROM ledger.accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [ids]);
    const inserted = await client.query(
      `INSERT INTO ledger.transactions (id, idempotency_key, type, status, from_account_id, to_account_id, amount, currency, risk_score, created_at, posted_at)
       VALUES ($1, $2, 'TRANSFER', 'POSTED', $3, $4, $5, $6, $7, $8, now()) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [t.transferId, t.idempotencyScope, t.fromAccountId, t.toAccountId, t.amountMinor, t.currency, t.riskScore, new Date(t.createdAtMs)]);
    if (inserted.rowCount === 1) {
      const debit = await client.query("UPDATE ledger.accounts SET balance = balance - $2, version = version + 1 WHERE id = $1 RETURNING balance", [t.fromAccountId, t.amountMinor]);
      const credit = await client.query("UPDATE ledger.accounts SET balance = balance + $2, version = version + 1 WHERE id = $1 RETURNING balance", [t.toAccountId, t.amountMinor]);
      await client.query("INSERT INTO ledger.entries (transaction_id, account_id, direction, amount, balance_after, created_at) VALUES ($1, $2, 'DEBIT', $3, $4, now()), ($1, $5, 'CREDIT', $3, $6, now())",
        [t.transferId, t.fromAccountId, t.amountMinor, debit.rows[0].balance, t.toAccountId, credit.rows[0].balance]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}
