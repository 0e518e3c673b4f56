/**
 * rest-read's baseline, run as its own process: the Mock Bank seed's read path, a minimal
 * `Bun.serve` answering GET /v1/accounts/:id/balance from two Redis GETs per request
 * (`account:{id}:balance:eod` and `account:{id}:transactions:sum`), summed as the seed does.
 *
 * Redis client: Bun's built-in `RedisClient` (native, auto-pipelined on one connection) by
 * default, or ioredis with `REDIS_CLIENT=ioredis` (also auto-pipelined). The two GETs are issued
 * together, so they share a round trip: the strongest form of the seed's two reads.
 *
 * Env: PORT, REDIS_URL (default redis://127.0.0.1:6379), REDIS_CLIENT (bun | ioredis).
 */
import { RedisClient } from "bun";
import Redis from "ioredis";

const port = Number(process.env.PORT ?? "3001");
const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const kind = process.env.REDIS_CLIENT ?? "bun";

type Get = (key: string) => Promise<string | null>;
let get: Get;
if (kind === "ioredis") {
  const client = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 3 });
  get = (key) => client.get(key);
} else {
  const client = new RedisClient(url);
  await client.connect();
  get = (key) => client.get(key);
}

const PREFIX = "/v1/accounts/";
const SUFFIX = "/balance";
const json = { "content-type": "application/json" };

Bun.serve({
  port,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/health") return new Response("ok");
    if (request.method !== "GET" || !path.startsWith(PREFIX) || !path.endsWith(SUFFIX)) return new Response("not found", { status: 404 });
    const accountId = decodeURIComponent(path.slice(PREFIX.length, path.length - SUFFIX.length));
    const [eod, sum] = await Promise.all([get(`account:${accountId}:balance:eod`), get(`account:${accountId}:transactions:sum`)]);
    if (eod === null) {
      return new Response(JSON.stringify({ error: { code: "account_not_found", message: `account ${accountId} not found` } }), { status: 404, headers: json });
    }
    const eodBalance = Number(eod);
    const intradayTotal = sum === null ? 0 : Number(sum);
    return new Response(JSON.stringify({
      accountId, eodBalance: eod, intradayTotal: sum ?? "0.00", currentBalance: (eodBalance + intradayTotal).toFixed(2),
    }), { headers: json });
  },
});
console.log(`listening ${port} redis-client=${kind}`);
