/** GET /v1/accounts/:accountId/balance — from memory, or the Postgres copy with ?source=db. */
import { Elysia, t } from "elysia";
import { canSeeAccount } from "../../domain/auth/principal.ts";
import { IdSchema } from "../../domain/identifier.ts";
import { AccountCopyBody, accountCopyBodyOf } from "../accountCopyBody.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import { HttpError } from "../httpError.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { BalanceBody, ErrorResponse } from "../schemas.ts";

// The route answers with a ready Response: Elysia then skips checking the body against the
// schema (the bodies are built and typed here, never from input), 10-20% more reads/s in bench
// rest-read. The schema below still documents them.
const JSON_RESPONSE = { headers: { "content-type": "application/json" } };
const jsonResponse = (body: object) => new Response(JSON.stringify(body), JSON_RESPONSE);

// An account outside the caller's `accounts` is looked up like any other and then answered as
// unknown, with the very same body and status (and a lookup that fails fails the same way), so
// no answer tells a caller that someone else's account exists.
export function balanceRoutes(deps: HttpDeps) {
  return new Elysia().get(
    "/v1/accounts/:accountId/balance",
    async ({ params, query, request }) => {
      const visible = canSeeAccount(deps.access.callerOf(request), params.accountId);
      if (query.source === "db") return jsonResponse(await readCopy(deps, params.accountId, visible));
      const found = deps.balances.balanceOf(params.accountId) ?? (await deps.balances.remoteBalanceOf?.(params.accountId)) ?? null;
      const view = visible ? found : null;
      if (view === null) throw new HttpError(404, "account_not_found", `account ${params.accountId} has no EOD balance`);
      return jsonResponse(view);
    },
    {
      ...scoped(deps.access, "balances:read"),
      params: t.Object({ accountId: IdSchema }),
      // The memory read, or with source=db the copy's own shape (it says source: "db").
      query: t.Object({ source: t.Optional(t.Union([t.Literal("memory"), t.Literal("db")])) }, { additionalProperties: false }),
      response: { 200: t.Union([BalanceBody, AccountCopyBody]), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      detail: {
        summary: "Real-time balance of an account",
        description: "Scope balances:read. From the engine's memory (404 until the account's first EOD, and for an account outside the caller's accounts), or with source=db the eventually consistent copy in datalake.account, in its own smaller shape (source: \"db\"; 503 while Postgres does not answer).",
        tags: ["balances"],
        security: securityOf("balances:read"),
      },
    },
  );
}

async function readCopy(deps: HttpDeps, accountId: string, visible: boolean) {
  if (deps.accountCopy === null) throw new HttpError(503, "db_sync_disabled", "no Postgres sync is configured (set DATABASE_URL)");
  const lookup = await deps.accountCopy.read(accountId);
  if (!lookup.ok) {
    deps.log.warn("account_copy_unavailable", { error: lookup.error });
    throw new HttpError(503, "database_unavailable", "datalake.account cannot be read now (Postgres does not answer); retry later", undefined, { "retry-after": "5" });
  }
  const row = visible ? lookup.row : null;
  if (row === null) throw new HttpError(404, "account_not_found", `account ${accountId} has no row in datalake.account`);
  return accountCopyBodyOf(row);
}
