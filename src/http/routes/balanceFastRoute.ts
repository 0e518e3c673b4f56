/**
 * The hot read, `GET /v1/accounts/:accountId/balance` with no query string, served as a Bun
 * route beside the Elysia app: the same steps in the same order as the Elysia route
 * (balanceRoutes.ts: the caller and its scope, the id, the lookup), the same bodies, statuses,
 * headers and metrics, without the framework's per-request context, hooks and validators (in
 * bench rest-read the engine did about half the constant-body ceiling through Elysia).
 *
 * The body is the account's encoded one, kept while the account is unchanged (balanceBodies.ts).
 * With auth off, a read of an account held here is answered synchronously: every caller is then
 * ANONYMOUS and nothing is counted, so asking Access (a promise per request) would change nothing.
 *
 * Whatever is not that plain read goes to the app, which answers it as before: a query string
 * (explain, asOf, source), an id Elysia would decode or refuse (a `%`, or not an identifier:
 * its 400 names the field), and any error other than the caller's (401, 403, 429), which is
 * answered here with the app's error body. The app's second authorization of the same request
 * is free and counts nothing again (Access remembers each request's caller).
 */
import { canSeeAccount } from "../../domain/auth/principal.ts";
import { isIdentifier } from "../../domain/identifier.ts";
import type { Access } from "../auth/access.ts";
import { jsonBody, type BalanceBodies } from "../balanceBodies.ts";
import { HttpError } from "../httpError.ts";
import type { HttpRequestRecorder } from "../httpMetrics.ts";
import type { BalanceReader } from "../../runtime/ports.ts";

export const BALANCE_ROUTE = "/v1/accounts/:accountId/balance";

/** Elysia's, for the object the app's error handler returns; a body's Blob gives the same type (balanceRoutes' jsonResponse too). */
const ERROR_HEADERS = { "content-type": "application/json;charset=utf-8" };

export interface BalanceFastRouteDeps {
  readonly balances: BalanceReader;
  /** The bodies of the accounts `balances` holds, encoded once per change; without it, each read encodes its view. */
  readonly bodies?: BalanceBodies;
  readonly access: Access;
  readonly record: HttpRequestRecorder;
  /** The Elysia app, for everything this route does not answer itself. */
  readonly app: (request: Request) => Response | Promise<Response>;
}

type RouteRequest = Request & { params: { accountId: string } };
type BodyOf = (accountId: string) => Blob | null;

export function balanceFastRoute(deps: BalanceFastRouteDeps) {
  const bodies = deps.bodies;
  const bodyOf: BodyOf = bodies !== undefined ? (accountId) => bodies.bodyOf(accountId) : (accountId) => {
    const view = deps.balances.balanceOf(accountId);
    return view === null ? null : jsonBody(JSON.stringify(view));
  };
  return (request: RouteRequest): Response | Promise<Response> => {
    const startedMs = performance.now();
    if (request.url.includes("?")) return deps.app(request);
    const accountId = request.params.accountId;
    if (deps.access.required || accountId.includes("%") || !isIdentifier(accountId)) return read(deps, bodyOf, request, accountId, startedMs);
    const body = bodyOf(accountId);
    if (body === null) return read(deps, bodyOf, request, accountId, startedMs);
    const response = new Response(body);
    deps.record(request.method, BALANCE_ROUTE, 200, startedMs);
    return response;
  };
}

/** Every step, in the Elysia route's order: the caller, the id, the lookup here then elsewhere, the caller's accounts. */
async function read(deps: BalanceFastRouteDeps, bodyOf: BodyOf, request: RouteRequest, accountId: string, startedMs: number): Promise<Response> {
  let response: Response;
  try {
    const caller = await deps.access.authorize(request, "balances:read");
    if (accountId.includes("%") || !isIdentifier(accountId)) return deps.app(request);
    const body = bodyOf(accountId) ?? (await remoteBodyOf(deps.balances, accountId));
    response = body === null || !canSeeAccount(caller, accountId) ? errorAnswer(notFound(accountId)) : new Response(body);
  } catch (error) {
    if (!(error instanceof HttpError)) return deps.app(request);
    response = errorAnswer(error);
  }
  deps.record(request.method, BALANCE_ROUTE, response.status, startedMs);
  return response;
}

/** The body from the instance that holds the account (Kafka mode); null when none has it. */
async function remoteBodyOf(balances: BalanceReader, accountId: string): Promise<Blob | null> {
  const view = (await balances.remoteBalanceOf?.(accountId)) ?? null;
  return view === null ? null : jsonBody(JSON.stringify(view));
}

/** The Elysia route's 404, word for word. */
function notFound(accountId: string): HttpError {
  return new HttpError(404, "account_not_found", `account ${accountId} has no EOD balance`);
}

/** What the app's error handler answers for an HttpError (errorResponse.ts): its body, status and headers. */
function errorAnswer(error: HttpError): Response {
  return new Response(JSON.stringify(error.body), { status: error.status, headers: { ...ERROR_HEADERS, ...error.headers } });
}
