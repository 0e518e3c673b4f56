/**
 * WebSocket /v1/ws (contract section 4). Connections are bounded (WS_CONNECTIONS_MAX): past it an
 * upgrade is refused with 503, and a connection that got through a race at the bound is closed
 * at once with 1013 "try again later".
 */
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { Elysia } from "elysia";
import { HttpError } from "../http/httpError.ts";
import type { HttpDeps } from "../http/httpDeps.ts";
import { problemOf } from "../lib/schemaProblem.ts";
import type { Connection, SubscriptionHub } from "./subscriptionHub.ts";
import { clientMessageSchema, transferSubscriptionKey, type ErrorMessage } from "./wsMessages.ts";
import { OPEN_CALLER } from "../runtime/caller.ts";
import { balanceMessage } from "./wsPublisher.ts";

const CLOSE_TRY_AGAIN_LATER = 1013;

type ClientMessageCheck = TypeCheck<ReturnType<typeof clientMessageSchema>>;

export function wsRoutes(deps: HttpDeps, hub: SubscriptionHub) {
  const clientMessage = TypeCompiler.Compile(clientMessageSchema(deps.wsSubscriptionsMax));
  // ws.raw is Bun's ServerWebSocket: the same object for the connection's whole life.
  const connectionOf = (ws: { raw: unknown }) => ws.raw as Connection;
  const refuse = () => {
    deps.metrics.wsRefusedTotal.inc();
    return new HttpError(503, "too_many_connections", `at most ${deps.wsConnectionsMax} WebSocket connections; retry later`, undefined, { "retry-after": "5" });
  };
  return new Elysia().ws("/v1/ws", {
    beforeHandle() {
      if (hub.size >= deps.wsConnectionsMax) throw refuse();
    },
    open(ws) {
      if (hub.size >= deps.wsConnectionsMax) {
        refuse();
        return ws.close(CLOSE_TRY_AGAIN_LATER, "too many connections");
      }
      hub.add(connectionOf(ws));
      deps.metrics.wsClients.set(hub.size);
    },
    message(ws, raw) {
      handleClientMessage(deps, hub, clientMessage, connectionOf(ws), raw);
    },
    drain(ws) {
      hub.drained(connectionOf(ws));
    },
    close(ws) {
      hub.remove(connectionOf(ws));
      deps.metrics.wsClients.set(hub.size);
    },
    // OpenAPI has no WebSocket operation: the document describes it under x-websocket (http/app.ts).
    detail: { hide: true },
  });
}

function handleClientMessage(deps: HttpDeps, hub: SubscriptionHub, clientMessage: ClientMessageCheck, connection: Connection, raw: unknown): void {
  const message = typeof raw === "string" ? parseOrNull(raw) : raw;
  if (message === NOT_JSON) return sendError(hub, connection, "invalid_message", "message", "not valid JSON");
  if (!clientMessage.Check(message)) {
    const first = clientMessage.Errors(message).First();
    const field = first === undefined || first.path === "" ? "message" : `message${first.path.replaceAll("/", ".")}`;
    return sendError(hub, connection, "invalid_message", field, first === undefined ? "invalid" : problemOf(first.message, first.schema as Record<string, unknown>));
  }
  const transferKeys: string[] = (message.transfers ?? []).map(transferSubscriptionKey);
  const accounts: string[] = [...(message.accounts ?? []), ...transferKeys];
  const alerts = message.channels?.includes("alerts") === true;
  if (message.op === "unsubscribe") {
    hub.unsubscribe(connection, accounts);
    if (alerts) hub.setAlerts(connection, false);
    return;
  }
  if (alerts) hub.setAlerts(connection, true);
  const subscribed = hub.subscribe(connection, accounts);
  if (!subscribed.ok) {
    const message = subscribed.reason === "connection_limit"
      ? `at most ${deps.wsSubscriptionsMax} accounts per connection`
      : "the engine holds as many subscriptions as it allows; retry later";
    return sendError(hub, connection, "too_many_subscriptions", "message.accounts", message);
  }
  for (const key of subscribed.added) {
    if (transferKeys.includes(key)) sendInitialTransfer(deps, hub, connection, key.slice(1));
    else void sendInitialBalance(deps, hub, connection, key);
  }
}

function sendInitialTransfer(deps: HttpDeps, hub: SubscriptionHub, connection: Connection, transferId: string) {
  // TODO(auth): the connection's caller, once WebSocket upgrades are authenticated.
  const view = deps.transfers.transferOf(transferId, OPEN_CALLER);
  if (view !== null) hub.deliver(connection, JSON.stringify({ type: "transfer", ...view }));
}

async function sendInitialBalance(deps: HttpDeps, hub: SubscriptionHub, connection: Connection, accountId: string) {
  const view = deps.balances.balanceOf(accountId) ?? (await deps.balances.remoteBalanceOf?.(accountId).catch(() => null)) ?? null;
  if (view !== null) hub.deliver(connection, JSON.stringify(balanceMessage(view)));
}

/** Errors name their field as HTTP's do (`message.accounts.0`), and the message starts with it. */
function sendError(hub: SubscriptionHub, connection: Connection, code: string, field: string, problem: string): void {
  const error: ErrorMessage = { type: "error", error: { code, message: `${field}: ${problem}`, field } };
  hub.deliver(connection, JSON.stringify(error));
}

const NOT_JSON = Symbol("not JSON");

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
