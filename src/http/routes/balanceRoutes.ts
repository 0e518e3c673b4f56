/**
 * GET /v1/accounts/:accountId/balance — from memory; with ?explain=true why it is what it is;
 * with ?asOf= as the engine knew it then (from the event log); with ?source=db the Postgres copy.
 */
import { Elysia, t } from "elysia";
import { canSeeAccount } from "../../domain/auth/principal.ts";
import { ExplainedBalanceSchema } from "../../domain/account/balanceExplanation.ts";
import { balanceViewOf } from "../../domain/account/balanceView.ts";
import { IdSchema } from "../../domain/identifier.ts";
import { AccountCopyBody, accountCopyBodyOf } from "../accountCopyBody.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import { pastInstantQueryMs } from "../historyQuery.ts";
import { HttpError } from "../httpError.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { BalanceBody, ErrorResponse } from "../schemas.ts";

// The route answers with a ready Response: Elysia then skips checking the body against the
// schema (the bodies are built and typed here, never from input), 10-20% more reads/s in bench
// rest-read. The schema below still documents them. The content type is the one the hot read's
// Blob bodies carry (balanceFastRoute.ts): the same request answers alike on both paths.
const JSON_RESPONSE = { headers: { "content-type": "application/json;charset=utf-8" } };
const jsonResponse = (body: object) => new Response(JSON.stringify(body), JSON_RESPONSE);

const BalanceQuery = t.Object({
  source: t.Optional(t.Union([t.Literal("memory"), t.Literal("db")])),
  explain: t.Optional(t.Union([t.Literal("true"), t.Literal("false")], { description: "true adds explain: the EOD, each day's total, each hold" })),
  asOf: t.Optional(t.String({ description: "RFC 3339 instant: the balance as the engine knew it then, from the event log", examples: ["2026-11-22T14:02:00Z"] })),
}, { additionalProperties: false });
type BalanceQuery = typeof BalanceQuery.static;

// An account outside the caller's `accounts` is looked up like any other and then answered as
// unknown, with the very same body and status (and a lookup that fails fails the same way), so
// no answer tells a caller that someone else's account exists.
export function balanceRoutes(deps: HttpDeps) {
  return new Elysia().get(
    "/v1/accounts/:accountId/balance",
    async ({ params, query, request }) => {
      checkCombination(query);
      const visible = canSeeAccount(deps.access.callerOf(request), params.accountId);
      if (query.source === "db") return jsonResponse(await readCopy(deps, params.accountId, visible));
      if (query.asOf !== undefined) return jsonResponse(await readAsOf(deps, params.accountId, pastInstantQueryMs(query.asOf, "asOf", Date.now()), visible));
      if (query.explain === "true") return jsonResponse(await readExplained(deps, params.accountId, visible));
      const found = deps.balances.balanceOf(params.accountId) ?? (await deps.balances.remoteBalanceOf?.(params.accountId)) ?? null;
      const view = visible ? found : null;
      if (view === null) throw new HttpError(404, "account_not_found", `account ${params.accountId} has no EOD balance`);
      return jsonResponse(view);
    },
    {
      params: t.Object({ accountId: IdSchema }),
      // The memory read (explained or not), the read as of an instant, or with source=db the copy's own shape.
      query: BalanceQuery,
      ...scoped(deps.access, "balances:read"),
      response: { 200: t.Union([BalanceBody, ExplainedBalanceSchema, AccountCopyBody]), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      detail: {
        summary: "Real-time balance of an account",
        description: "Scope balances:read. From the engine's memory (404 until the account's first EOD, and for an account outside the caller's accounts, whatever the option). explain=true adds explain: eod.balance + the days' totals = currentBalance; facilityLimit + currentBalance - the holds = availableBalance. asOf=<RFC 3339> answers the body the engine had at that instant, with its version, from the event log (404 before the account's first EOD; the log trails the engine by up to EVENT_LOG_FLUSH_MS). source=db reads the eventually consistent copy in datalake.account, in its own smaller shape (source: \"db\"; 503 while Postgres does not answer).",
        tags: ["balances"], security: securityOf("balances:read"),
      },
    },
  );
}

/** Each option picks one reading; two at once would leave which one answers to guesswork. */
function checkCombination(query: BalanceQuery): void {
  if (query.asOf !== undefined && query.source === "db") {
    throw new HttpError(400, "invalid_request", "query.asOf: cannot be combined with source=db (the copy keeps no history)", "query.asOf");
  }
  if (query.explain === "true" && (query.asOf !== undefined || query.source === "db")) {
    throw new HttpError(400, "invalid_request", "query.explain: explains the balance in memory; it cannot be combined with asOf or source=db", "query.explain");
  }
}

async function readExplained(deps: HttpDeps, accountId: string, visible: boolean) {
  const found = deps.balances.explainedBalanceOf(accountId) ?? (await deps.balances.remoteExplainedBalanceOf?.(accountId)) ?? null;
  const explained = visible ? found : null;
  if (explained === null) throw new HttpError(404, "account_not_found", `account ${accountId} has no EOD balance`);
  return explained;
}

async function readAsOf(deps: HttpDeps, accountId: string, asOfMs: number, visible: boolean) {
  if (deps.history === null) throw eventLogNotConfigured();
  const lookup = await deps.history.balanceAsOf(accountId, asOfMs);
  if (!lookup.ok) throw eventLogUnavailable();
  const view = lookup.value === null || !visible ? null : balanceViewOf(lookup.value);
  if (view === null) throw new HttpError(404, "account_not_found", `account ${accountId} had no EOD balance at ${new Date(asOfMs).toISOString()}`);
  return view;
}

export function eventLogNotConfigured(): HttpError {
  return new HttpError(503, "event_log_not_configured", "no event log is configured: set CLICKHOUSE_URL (an engine on DATABASE_URL keeps none without it; retrying will not help)");
}

export function eventLogUnavailable(): HttpError {
  return new HttpError(503, "event_log_unavailable", "the event log cannot answer now; retry later", undefined, { "retry-after": "5" });
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
