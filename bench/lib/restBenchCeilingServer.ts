/**
 * rest-read's ceiling, run as its own process: a bare `Bun.serve` answering every request with
 * the same constant balance body. No server on Bun answers faster through the same wrk on the
 * same cores, so it shows how far the engine and the baseline are from the HTTP stack's limit.
 *
 * Env: PORT.
 */
const port = Number(process.env.PORT ?? "3002");
const body = JSON.stringify({
  accountId: "A1", currency: "USD", currentBalance: "1000.00", availableBalance: "6000.00",
  eodDate: "2026-11-21", version: 3, updatedAt: "2026-11-22T09:00:00.000Z",
});
const headers = { "content-type": "application/json" };

Bun.serve({ port, hostname: "127.0.0.1", fetch: () => new Response(body, { headers }) });
console.log(`listening ${port}`);
