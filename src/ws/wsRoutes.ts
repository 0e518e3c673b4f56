/** WebSocket /v1/ws (contract section 4). */
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Elysia } from "elysia";
import type { HttpDeps } from "../http/httpDeps.ts";
import {
  newSubscriptions, setAlertsChannel, subscribeAccounts, unsubscribeAccounts, type Subscriber, type Subscriptions,
} from "./subscriptionHub.ts";
import { ClientMessage } from "./wsMessages.ts";

const clientMessage = TypeCompiler.Compile(ClientMessage);

interface Socket extends Subscriber {
  readonly id: string;
  send(data: string): unknown;
}

export function wsRoutes(deps: HttpDeps) {
  const connections = new Map<string, Subscriptions>();
  return new Elysia().ws("/v1/ws", {
    open(ws) {
      connections.set(ws.id, newSubscriptions());
      deps.metrics.wsClients.set(connections.size);
    },
    message(ws, raw) {
      const subs = connections.get(ws.id);
      if (subs !== undefined) handleClientMessage(deps, ws as unknown as Socket, subs, raw);
    },
    close(ws) {
      connections.delete(ws.id);
      deps.metrics.wsClients.set(connections.size);
    },
    detail: { summary: "Balance and alert push", tags: ["websocket"] },
  });
}

function handleClientMessage(deps: HttpDeps, ws: Socket, subs: Subscriptions, raw: unknown): void {
  const message = typeof raw === "string" ? parseOrNull(raw) : raw;
  if (!clientMessage.Check(message)) {
    const first = clientMessage.Errors(message).First();
    return sendError(ws, "invalid_message", first ? `${first.path || "message"}: ${first.message}` : "not JSON");
  }
  const accounts = message.accounts ?? [];
  if (message.op === "unsubscribe") {
    unsubscribeAccounts(ws, subs, accounts);
    if (message.channels?.includes("alerts")) setAlertsChannel(ws, subs, false);
    return;
  }
  if (message.channels?.includes("alerts")) setAlertsChannel(ws, subs, true);
  const added = subscribeAccounts(ws, subs, accounts, deps.wsSubscriptionsMax);
  if (added === null) return sendError(ws, "too_many_subscriptions", `at most ${deps.wsSubscriptionsMax} accounts per connection`);
  for (const accountId of added) {
    const view = deps.engine.balanceOf(accountId);
    if (view !== null) ws.send(JSON.stringify({ type: "balance", ...view }));
  }
}

function sendError(ws: Socket, code: string, message: string): void {
  ws.send(JSON.stringify({ type: "error", error: { code, message } }));
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
