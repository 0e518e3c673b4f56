/**
 * The hot read, `GET /v1/accounts/:accountId/balance` with no query string, served as a Bun
 * route beside the Elysia app: the same steps in the same order as the Elysia route
 * (balanceRoutes.ts: the caller and its scope, the id, the lookup), the same bodies, statuses,
 * headers and metrics, without the framework's per-request context, hooks and validators (in
 * bench rest-read the engine did about half the constant-body ceiling through Elysia).
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
import { HttpError } from "../httpError.ts";
import type { HttpRequestRecorder } from "../httpMetrics.ts";
import type { BalanceReader } from "../../runtime/ports.ts";

export const BALANCE_ROUTE = "/v1/accounts/:accountId/balance";

/** The route's own answers (balanceRoutes' jsonResponse). */
const JSON_HEADERS = { "content-type": "application/json" };
/** Elysia's, for the object the app's error handler returns. */
const ERROR_HEADERS = { "content-type": "application/json;charset=utf-8" };

export interface BalanceFastRouteDeps {
  readonly balances: BalanceReader;
  readonly access: Access;
  readonly record: HttpRequestRecorder;
  /** The Elysia app, for everything this route does not answer itself. */
  readonly app: (request: Request) => Response | Promise<Response>;
}

export function balanceFastRoute(deps: BalanceFastRouteDeps) {
  return async (request: Request & { params: { accountId: string } }): Promise<Response> => {
    const startedMs = performance.now();
    if (request.url.includes("?")) return deps.app(request);
    const accountId = request.params.accountId;
    let response: Response;
    try {
      const caller = await deps.access.authorize(request, "balances:read");
      if (accountId.includes("%") || !isIdentifier(accountId)) return deps.app(request);
      const found = deps.balances.balanceOf(accountId) ?? (await deps.balances.remoteBalanceOf?.(accountId)) ?? null;
      const view = canSeeAccount(caller, accountId) ? found : null;
      response = view === null ? errorAnswer(notFound(accountId)) : new Response(JSON.stringify(view), { headers: JSON_HEADERS });
    } catch (error) {
      if (!(error instanceof HttpError)) return deps.app(request);
      response = errorAnswer(error);
    }
    deps.record(request.method, BALANCE_ROUTE, response.status, startedMs);
    return response;
  };
}

/** The Elysia route's 404, word for word. */
function notFound(accountId: string): HttpError {
  return new HttpError(404, "account_not_found", `account ${accountId} has no EOD balance`);
}

/** What the app's error handler answers for an HttpError (errorResponse.ts): its body, status and headers. */
function errorAnswer(error: HttpError): Response {
  return new Response(JSON.stringify(error.body), { status: error.status, headers: { ...ERROR_HEADERS, ...error.headers } });
}
