/**
 * ws-fanout's baseline, run as its own process: the floor of any design on Bun. A bare
 * `Bun.serve` with a Map of balances, the same protocol as the engine (POST /v1/events,
 * WS /v1/ws subscribe with an initial balance, then one message of the same shape per applied
 * transaction, published with Bun's native topic pub/sub). No validation, no dedup, no
 * persistence, no metrics: only what fan-out itself costs.
 *
 * Env: PORT.
 */
import type { ServerWebSocket } from "bun";
import { formatMinor } from "./restBenchEvents.ts";

interface Account {
  eodMinor: number;
  eodDate: string;
  intradayMinor: number;
  version: number;
  updatedAt: number;
}

const accounts = new Map<string, Account>();

const LIMIT_MINOR = 500_000;
function view(accountId: string, a: Account): string {
  const current = a.eodMinor + a.intradayMinor;
  return JSON.stringify({
    type: "balance", accountId, currency: "USD", eodBalance: formatMinor(a.eodMinor), eodDate: a.eodDate,
    intradayTotal: formatMinor(a.intradayMinor), currentBalance: formatMinor(current), facilityLimit: formatMinor(LIMIT_MINOR),
    facilityLimitKnown: true, holds: "0.00", availableBalance: formatMinor(LIMIT_MINOR + current), version: a.version,
    updatedAt: new Date(a.updatedAt).toISOString(),
  });
}

const toMinor = (amount: string) => Math.round(Number(amount) * 100);

interface Message {
  type?: string;
  messageId?: string;
  accountId?: string;
  balance?: string;
  amount?: string;
  asOfDate?: string;
}

const server = Bun.serve({
  port: Number(process.env.PORT ?? "3002"),
  hostname: "127.0.0.1",
  async fetch(request, srv) {
    const path = new URL(request.url).pathname;
    if (path === "/v1/ws") return srv.upgrade(request) ? undefined : new Response("upgrade failed", { status: 400 });
    if (path === "/health") return new Response("ok");
    if (path === "/v1/events" && request.method === "POST") {
      const body = (await request.json()) as Message | Message[];
      const results = [];
      for (const m of Array.isArray(body) ? body : [body]) {
        const id = m.accountId ?? "";
        let account = accounts.get(id);
        if (m.type === "EOD_BALANCE") {
          if (account === undefined) accounts.set(id, (account = { eodMinor: 0, eodDate: "", intradayMinor: 0, version: 0, updatedAt: 0 }));
          account.eodMinor = toMinor(m.balance ?? "0");
          account.eodDate = m.asOfDate ?? "";
        } else if (m.type === "TRANSACTION" && account !== undefined) {
          account.intradayMinor += toMinor(m.amount ?? "0");
        } else {
          results.push({ messageId: m.messageId, outcome: "dead_lettered", reason: "invalid_schema" });
          continue;
        }
        account.version += 1;
        account.updatedAt = Date.now();
        server.publish(id, view(id, account));
        results.push({ messageId: m.messageId, outcome: "applied" });
      }
      return Response.json({ results });
    }
    return new Response("not found", { status: 404 });
  },
  websocket: {
    message(ws: ServerWebSocket<unknown>, raw) {
      const message = JSON.parse(String(raw)) as { op?: string; accounts?: string[] };
      if (message.op !== "subscribe") return;
      for (const id of message.accounts ?? []) {
        ws.subscribe(id);
        const account = accounts.get(id);
        if (account !== undefined) ws.send(view(id, account));
      }
    },
  },
});
console.log(`listening ${server.port}`);
