/** WebSocket /v1/ws (contract section 4). */
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Elysia } from "elysia";
import type { HttpDeps } from "../http/httpDeps.ts";
import type { Connection, SubscriptionHub } from "./subscriptionHub.ts";
import { ClientMessage } from "./wsMessages.ts";

const clientMessage = TypeCompiler.Compile(ClientMessage);

export function wsRoutes(deps: HttpDeps, hub: SubscriptionHub) {
  // ws.raw is Bun's ServerWebSocket: the same object for the connection's whole life.
  const connectionOf = (ws: { raw: unknown }) => ws.raw as Connection;
  return new Elysia().ws("/v1/ws", {
    open(ws) {
      hub.add(connectionOf(ws));
      deps.metrics.wsClients.set(hub.size);
    },
    message(ws, raw) {
      handleClientMessage(deps, hub, connectionOf(ws), raw);
    },
    close(ws) {
      hub.remove(connectionOf(ws));
      deps.metrics.wsClients.set(hub.size);
    },
    detail: { summary: "Balance and alert push", tags: ["websocket"] },
  });
}

function handleClientMessage(deps: HttpDeps, hub: SubscriptionHub, connection: Connection, raw: unknown): void {
  const message = typeof raw === "string" ? parseOrNull(raw) : raw;
  if (!clientMessage.Check(message)) {
    const first = clientMessage.Errors(message).First();
    return sendError(hub, connection, "invalid_message", first ? `${first.path || "message"}: ${first.message}` : "not JSON");
  }
  const accounts = message.accounts ?? [];
  const alerts = message.channels?.includes("alerts") === true;
  if (message.op === "unsubscribe") {
    hub.unsubscribe(connection, accounts);
    if (alerts) hub.setAlerts(connection, false);
    return;
  }
  if (alerts) hub.setAlerts(connection, true);
  const added = hub.subscribe(connection, accounts);
  if (added === null) return sendError(hub, connection, "too_many_subscriptions", `at most ${deps.wsSubscriptionsMax} accounts per connection`);
  for (const accountId of added) void sendInitialBalance(deps, hub, connection, accountId);
}

async function sendInitialBalance(deps: HttpDeps, hub: SubscriptionHub, connection: Connection, accountId: string) {
  const view = deps.engine.balanceOf(accountId) ?? (await deps.remoteBalance?.(accountId).catch(() => null)) ?? null;
  if (view !== null) hub.deliver(connection, JSON.stringify({ type: "balance", ...view }));
}

function sendError(hub: SubscriptionHub, connection: Connection, code: string, message: string): void {
  hub.deliver(connection, JSON.stringify({ type: "error", error: { code, message } }));
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
