/**
 * transfer-authorize's baseline, run as its own process: the seed's design of the hot path, as a
 * team would build it around Redis and Postgres. Per POST /v1/transfers: the idempotency key with
 * Redis SET NX, then one Postgres transaction (SELECT the source's balance and holds FOR UPDATE,
 * check the funds, add the hold, INSERT the transfer), then the transfer published to Kafka with
 * acks from all replicas, and only then 201. No risk score (it would only add to its cost).
 *
 * Env: PORT, DATABASE_URL, REDIS_URL, KAFKA_BROKERS, TOPIC, POOL (Postgres connections, default 16).
 */
import Redis from "ioredis";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import pg from "pg";

const port = Number(process.env.PORT ?? "3002");
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL ?? "16") });
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { enableAutoPipelining: true });
const producer = new Kafka({ clientId: "transfer-baseline", brokers: [process.env.KAFKA_BROKERS ?? "127.0.0.1:9092"], logLevel: logLevel.NOTHING })
  .producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const topic = process.env.TOPIC ?? "bench.transfers.baseline";

await pool.query(`CREATE TABLE IF NOT EXISTS bench_account (id text PRIMARY KEY, balance bigint NOT NULL, holds bigint NOT NULL DEFAULT 0)`);
await pool.query(`CREATE TABLE IF NOT EXISTS bench_transfer (id text PRIMARY KEY, from_id text, to_id text, amount bigint, created_at timestamptz DEFAULT now())`);

const json = { "content-type": "application/json" };
const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: json });

async function authorize(key: string, body: { fromAccountId: string; toAccountId: string; amount: string }): Promise<Response> {
  if ((await redis.set(`idem:${key}`, "1", "EX", 86_400, "NX")) === null) return answer(409, { error: { code: "idempotency_key_in_flight" } });
  const amount = Math.round(Number(body.amount) * 100);
  const id = crypto.randomUUID();
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const row = (await client.query("SELECT balance, holds FROM bench_account WHERE id = $1 FOR UPDATE", [body.fromAccountId])).rows[0];
    if (row === undefined || Number(row.balance) - Number(row.holds) < amount) {
      await client.query("ROLLBACK");
      return answer(422, { error: { code: "insufficient_funds" } });
    }
    await client.query("UPDATE bench_account SET holds = holds + $2 WHERE id = $1", [body.fromAccountId, amount]);
    await client.query("INSERT INTO bench_transfer (id, from_id, to_id, amount) VALUES ($1, $2, $3, $4)", [id, body.fromAccountId, body.toAccountId, amount]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    return answer(503, { error: { code: "unavailable", message: String(error) } });
  } finally {
    client.release();
  }
  await producer.send({ topic, acks: -1, messages: [{ key: body.fromAccountId, value: JSON.stringify({ id, ...body }) }] });
  return answer(201, { transferId: id, status: "APPROVED", ...body });
}

Bun.serve({
  port,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/health") return new Response("ok");
    if (request.method === "POST" && path === "/load") {
      const { prefix, count, balanceMinor } = (await request.json()) as { prefix: string; count: number; balanceMinor: number };
      await pool.query("INSERT INTO bench_account (id, balance) SELECT $1 || g, $3 FROM generate_series(0, $2 - 1) g ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, holds = 0", [prefix, count, balanceMinor]);
      return new Response("ok");
    }
    if (request.method !== "POST" || path !== "/v1/transfers") return new Response("not found", { status: 404 });
    return authorize(request.headers.get("idempotency-key") ?? "", (await request.json()) as never);
  },
});
console.log(`transfer baseline on ${port}`);
