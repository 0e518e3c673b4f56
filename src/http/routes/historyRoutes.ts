/**
 * An account's history from the event log: its applied transactions a page at a time
 * (GET /v1/accounts/:accountId/transactions) and a day's statement
 * (GET /v1/accounts/:accountId/statement, JSON or CSV). Every read is bounded: a page holds
 * at most TRANSACTIONS_PAGE_MAX items of a range of at most TRANSACTIONS_RANGE_DAYS_MAX days, a
 * statement at most STATEMENT_ITEMS_MAX items.
 */
import { canSeeAccount } from "../../domain/auth/principal.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import { Elysia, t } from "elysia";
import { IdSchema } from "../../domain/identifier.ts";
import type { HttpDeps } from "../httpDeps.ts";
import {
  cursorOf, digitsOf, historyItemBodyOf, keyOfCursor, statementBodyOf, statementCsvOf, StatementBody, TransactionPageBody,
} from "../historyBodies.ts";
import { badQuery, dateQuery, instantQueryMs } from "../historyQuery.ts";
import { HttpError } from "../httpError.ts";
import { ErrorResponse, integerQuery } from "../schemas.ts";
import { eventLogNotConfigured, eventLogUnavailable } from "./balanceRoutes.ts";

export const TRANSACTIONS_PAGE_DEFAULT = 100;
export const TRANSACTIONS_PAGE_MAX = 1000;
export const TRANSACTIONS_RANGE_DAYS_MAX = 366;
export const STATEMENT_ITEMS_MAX = 10_000;
const DAY_MS = 86_400_000;

export function historyRoutes(deps: HttpDeps) {
  return new Elysia()
    .get("/v1/accounts/:accountId/transactions", async ({ params, query, request }) => {
      const history = deps.history;
      if (history === null) throw eventLogNotConfigured();
      const toMs = query.to === undefined ? Date.now() + 1 : instantQueryMs(query.to, "to");
      const fromMs = query.from === undefined ? Math.max(0, toMs - TRANSACTIONS_RANGE_DAYS_MAX * DAY_MS) : instantQueryMs(query.from, "from");
      if (fromMs >= toMs) throw badQuery("from", "must be before to");
      if (toMs - fromMs > TRANSACTIONS_RANGE_DAYS_MAX * DAY_MS) throw badQuery("from", `must be at most ${TRANSACTIONS_RANGE_DAYS_MAX} days before to`);
      const before = query.cursor === undefined ? undefined : keyOfCursor(query.cursor) ?? undefined;
      if (query.cursor !== undefined && before === undefined) throw badQuery("cursor", "is not a cursor this engine gave out (pass nextCursor as it came)");
      const limit = query.limit ?? TRANSACTIONS_PAGE_DEFAULT;
      const page = await history.transactions({ accountId: params.accountId, fromMs, toMs, limit, before });
      if (!page.ok) throw eventLogUnavailable();
      // An account outside the caller's accounts reads as one with no applied item: an unknown one.
      if (!canSeeAccount(deps.access.callerOf(request), params.accountId)) return { items: [], nextCursor: null };
      return {
        items: page.value.items.map((item) => historyItemBodyOf(item, digitsOf(item.currency))),
        nextCursor: page.value.next === null ? null : cursorOf(page.value.next),
      };
    }, {
      ...scoped(deps.access, "balances:read"),
      params: t.Object({ accountId: IdSchema }),
      query: t.Object({
        from: t.Optional(t.String({ description: `RFC 3339: items applied at or after it (default: ${TRANSACTIONS_RANGE_DAYS_MAX} days before to)` })),
        to: t.Optional(t.String({ description: "RFC 3339: items applied before it (default: now)" })),
        limit: t.Optional(integerQuery("limit", { minimum: 1, maximum: TRANSACTIONS_PAGE_MAX, default: TRANSACTIONS_PAGE_DEFAULT, description: "Items per page at most" })),
        cursor: t.Optional(t.String({ maxLength: 1024, description: "The nextCursor of the previous page" })),
      }, { additionalProperties: false }),
      response: { 200: TransactionPageBody, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      detail: {
        summary: "Applied transactions of an account, newest first, a page at a time",
        description: `From the event log (it trails the engine by up to EVENT_LOG_FLUSH_MS). A cursor stays valid while new items arrive: each applied item appears once across the pages. An account with no applied transaction has no items (not a 404). At most ${TRANSACTIONS_RANGE_DAYS_MAX} days between from and to.`,
        tags: ["history"], security: securityOf("balances:read"),
      },
    })
    .get("/v1/accounts/:accountId/statement", async ({ params, query, request }) => {
      const history = deps.history;
      if (history === null) throw eventLogNotConfigured();
      const date = dateQuery(query.date, "date");
      const parts = await history.statementParts(params.accountId, date, STATEMENT_ITEMS_MAX);
      if (!parts.ok) throw eventLogUnavailable();
      if (parts.value === null || !canSeeAccount(deps.access.callerOf(request), params.accountId)) throw new HttpError(404, "statement_not_found", `account ${params.accountId} has no EOD before ${date} in the event log, so no opening balance`);
      if (parts.value === "too_many_items") throw new HttpError(422, "statement_too_large", `the statement of ${date} has more than ${STATEMENT_ITEMS_MAX} items; page through /transactions instead`);
      const built = statementBodyOf(params.accountId, date, parts.value);
      if (built === null) throw new Error(`invariant: the statement of ${params.accountId} on ${date} leaves ±(2^53 − 1) minor units`);
      // A ready Response either way, so that both kinds of body leave the same path.
      if (!wantsCsv(request)) return new Response(JSON.stringify(built.body), { headers: { "content-type": "application/json" } });
      return new Response(statementCsvOf(built.body, built.runningMinor, digitsOf(built.body.currency)), {
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="statement-${date}.csv"` },
      });
    }, {
      ...scoped(deps.access, "balances:read"),
      params: t.Object({ accountId: IdSchema }),
      query: t.Object({ date: t.String({ description: "YYYY-MM-DD: the business day", examples: ["2026-11-22"] }) }, { additionalProperties: false }),
      response: { 200: StatementBody, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      detail: {
        summary: "A day's statement of an account (JSON, or CSV with Accept: text/csv)",
        description: `openingBalance is the engine's close of the day before; openingBalance + the items = closingBalance; coreEod sets the core system's EOD of the day beside it, once it has arrived. Items are the applied transactions booked on the day, oldest applied first (at most ${STATEMENT_ITEMS_MAX}). CSV: one table with an opening line, an item line per transaction with the balance after it, a closing line and a core_eod line.`,
        tags: ["history"], security: securityOf("balances:read"),
      },
    });
}

/** CSV when the client names text/csv ahead of any application/json (a browser's wildcard alone keeps JSON); q-values are not weighed. */
function wantsCsv(request: Request): boolean {
  const accept = (request.headers.get("accept") ?? "").toLowerCase();
  const csv = accept.indexOf("text/csv");
  const json = accept.indexOf("application/json");
  return csv >= 0 && (json < 0 || csv < json);
}
