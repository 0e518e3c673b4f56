/**
 * WebSocket /v1/ws (contract sections 4 and 8). The upgrade is where a connection is checked:
 * its Origin against WS_ALLOWED_ORIGINS (403), its credential (401: the Authorization header, or
 * the `access_token` query parameter, which is all a browser's WebSocket can send), the caller's
 * rate limit (429), and the connection bound WS_CONNECTIONS_MAX (503; a connection that got
 * through a race at the bound is closed at once with 1013 "try again later"). The caller found
 * there is the connection's for its whole life: what it may subscribe to, which alerts it hears.
 */
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { Elysia } from "elysia";
import { canSeeAccount, canSeeAlertOf, hasScope, type Principal } from "../domain/auth/principal.ts";
import { HttpError } from "../http/httpError.ts";
import type { HttpDeps } from "../http/httpDeps.ts";
import { problemOf } from "../lib/schemaProblem.ts";
import type { Connection, SubscriptionHub } from "./subscriptionHub.ts";
import { clientMessageSchema, transferSubscriptionKey, type ErrorMessage } from "./wsMessages.ts";
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
  const callers = new WeakMap<Connection, Principal>();
  return new Elysia().ws("/v1/ws", {
    async beforeHandle({ request }) {
      checkOrigin(deps, request);
      await deps.access.authorize(request, null, true);
      if (hub.size >= deps.wsConnectionsMax) throw refuse();
    },
    open(ws) {
      if (hub.size >= deps.wsConnectionsMax) {
        refuse();
        return ws.close(CLOSE_TRY_AGAIN_LATER, "too many connections");
      }
      callers.set(connectionOf(ws), deps.access.callerOf(ws.data.request));
      hub.add(connectionOf(ws));
      deps.metrics.wsClients.set(hub.size);
    },
    message(ws, raw) {
      const connection = connectionOf(ws);
      const caller = callers.get(connection);
      if (caller !== undefined) handleClientMessage({ deps, hub, clientMessage, connection, caller }, raw);
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

/**
 * A browser always sends its page's Origin, and a page of another site must not ride on the
 * user's token (cross-site WebSocket hijacking). A client with no Origin is no browser page (a
 * service, a CLI): nothing to check, since such a client could send any Origin it liked.
 */
function checkOrigin(deps: HttpDeps, request: Request): void {
  const origin = request.headers.get("origin");
  if (deps.wsAllowedOrigins.length === 0 || origin === null || deps.wsAllowedOrigins.includes(origin)) return;
  deps.metrics.authFailuresTotal.inc({ reason: "origin" });
  throw new HttpError(403, "origin_not_allowed", `Origin ${origin.slice(0, 200)} may not open a WebSocket here`);
}

interface Session {
  readonly deps: HttpDeps;
  readonly hub: SubscriptionHub;
  readonly clientMessage: ClientMessageCheck;
  readonly connection: Connection;
  readonly caller: Principal;
}

function handleClientMessage(session: Session, raw: unknown): void {
  const { hub, clientMessage, connection, caller } = session;
  const message = typeof raw === "string" ? parseOrNull(raw) : raw;
  if (message === NOT_JSON) return sendError(hub, connection, "invalid_message", "message", "not valid JSON");
  if (!clientMessage.Check(message)) {
    const first = clientMessage.Errors(message).First();
    const field = first === undefined || first.path === "" ? "message" : `message${first.path.replaceAll("/", ".")}`;
    return sendError(hub, connection, "invalid_message", field, first === undefined ? "invalid" : problemOf(first.message, first.schema as Record<string, unknown>));
  }
  const accounts: string[] = message.accounts ?? [];
  const transfers: string[] = message.transfers ?? [];
  const alerts = message.channels?.includes("alerts") === true;
  const activity = message.channels?.includes("activity") === true;
  if (message.op === "unsubscribe") {
    hub.unsubscribe(connection, [...accounts, ...transfers.map(transferSubscriptionKey)]);
    if (alerts) hub.setAlerts(connection, false);
    if (activity) hub.setActivity(connection, false);
    return;
  }
  if (activity && !hasScope(caller, "ops:read")) {
    return sendError(hub, connection, "forbidden", "message.channels", "the activity channel needs the scope ops:read");
  }
  if (alerts && !hasScope(caller, "balances:read") && !hasScope(caller, "ops:read")) {
    return sendError(hub, connection, "forbidden", "message.channels", "the alerts channel needs the scope balances:read or ops:read");
  }
  if (accounts.length > 0 && !hasScope(caller, "balances:read")) {
    return sendError(hub, connection, "forbidden", "message.accounts", "subscribing to accounts needs the scope balances:read");
  }
  // Only the alerts of the caller's accounts, unless it holds ops:read (contract section 8).
  if (transfers.length > 0 && !hasScope(caller, "balances:read") && !hasScope(caller, "transfers:write")) {
    return sendError(hub, connection, "forbidden", "message.transfers", "subscribing to transfers needs the scope balances:read or transfers:write");
  }
  if (activity) hub.setActivity(connection, true);
  if (alerts) hub.setAlerts(connection, true, caller.accounts === "*" || hasScope(caller, "ops:read") ? null : (id) => canSeeAlertOf(caller, id));
  subscribeAccounts(session, accounts);
  subscribeTransfers(session, transfers);
}

/**
 * Subscribes the transfers the caller may see (their source is one of its accounts), each with
 * its state now; one it may not see answers as an unknown one does: transfer_not_found.
 */
function subscribeTransfers(session: Session, transferIds: readonly string[]): void {
  const { deps, hub, connection, caller } = session;
  const views = transferIds.map((id) => deps.transfers.transferOf(id, caller));
  const visible = transferIds.filter((_, index) => views[index] !== null);
  const subscribed = hub.subscribe(connection, visible.map(transferSubscriptionKey));
  if (!subscribed.ok) return sendError(hub, connection, "too_many_subscriptions", "message.transfers", "too many subscriptions");
  transferIds.forEach((id, index) => {
    const view = views[index];
    if (view !== null && view !== undefined) hub.deliver(connection, JSON.stringify({ type: "transfer", ...view }));
    else sendError(hub, connection, "transfer_not_found", `message.transfers.${index}`, `no transfer ${id}`);
  });
}

/**
 * Subscribes the accounts the caller may see. An account it may not see is never subscribed, and
 * gets the same error as an unknown one (the error is the only answer either gets), so a subscribe
 * never tells whether someone else's account exists.
 */
function subscribeAccounts(session: Session, accounts: readonly string[]): void {
  const { deps, hub, connection, caller } = session;
  const visible = accounts.filter((id) => canSeeAccount(caller, id));
  const subscribed = hub.subscribe(connection, visible);
  if (!subscribed.ok) {
    const message = subscribed.reason === "connection_limit"
      ? `at most ${deps.wsSubscriptionsMax} accounts per connection`
      : "the engine holds as many subscriptions as it allows; retry later";
    return sendError(hub, connection, "too_many_subscriptions", "message.accounts", message);
  }
  const added = new Set(subscribed.added);
  accounts.forEach((accountId, index) => {
    if (added.delete(accountId)) void sendInitialBalance(session, accountId, index);
    else if (!canSeeAccount(caller, accountId)) void sendNotFound(session, accountId, index);
  });
}

async function sendInitialBalance(session: Session, accountId: string, index: number) {
  const { deps, hub, connection } = session;
  const view = deps.balances.balanceOf(accountId) ?? (await deps.balances.remoteBalanceOf?.(accountId).catch(() => null)) ?? null;
  if (view !== null) hub.deliver(connection, JSON.stringify(balanceMessage(view)));
  else sendError(hub, connection, "account_not_found", `message.accounts.${index}`, `account ${accountId} has no EOD balance`);
}

/** Awaited like a lookup, so that the error comes in the same order an unknown account's would. */
async function sendNotFound(session: Session, accountId: string, index: number) {
  await Promise.resolve();
  sendError(session.hub, session.connection, "account_not_found", `message.accounts.${index}`, `account ${accountId} has no EOD balance`);
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
