/** GET /v1/accounts/:accountId/velocity — counts and sums of applied transactions over 1 h, 24 h, 7 d. */
import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { canSeeAccount } from "../../domain/auth/principal.ts";
import { IdSchema } from "../../domain/identifier.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { formatAmount } from "../../domain/money.ts";
import type { VelocityFigures, VelocityReader } from "../../runtime/ports.ts";
import type { Access } from "../auth/access.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import { HttpError } from "../httpError.ts";
import { ErrorResponse } from "../schemas.ts";

const VelocityWindow = t.Object({
  count: Type.Integer({ minimum: 0, description: "Applied TRANSACTION_CREATED and TRANSACTION_REMOVED messages" }),
  sum: t.String({
    description: "Their net effect on the balance (CREATED adds, REMOVED subtracts), with the currency's minor digits",
    examples: ["-150.00"],
  }),
});

export const VelocityBody = t.Object({
  accountId: t.String(),
  currency: t.String(),
  asOf: t.String({ description: "RFC 3339 instant. Each window is (asOf - length, asOf] of engine processing time" }),
  windows: t.Object({ "1h": VelocityWindow, "24h": VelocityWindow, "7d": VelocityWindow }),
});

export type VelocityBody = typeof VelocityBody.static;

function velocityBodyOf(figures: VelocityFigures): VelocityBody {
  const digits = minorDigitsOf(figures.currency)!;
  const window = (name: keyof VelocityFigures["windows"]) => ({
    count: figures.windows[name].count,
    sum: formatAmount(figures.windows[name].sumMinor, digits),
  });
  return {
    accountId: figures.accountId,
    currency: figures.currency,
    asOf: new Date(figures.asOfMs).toISOString(),
    windows: { "1h": window("1h"), "24h": window("24h"), "7d": window("7d") },
  };
}

/**
 * `reader` null: no CLICKHOUSE_URL, so there is no event log to answer from, now or later. An
 * account outside the caller's accounts is read and then answered as unknown (balanceRoutes.ts).
 */
export function velocityRoutes(reader: VelocityReader | null, access: Access) {
  return new Elysia().get(
    "/v1/accounts/:accountId/velocity",
    async ({ params, request }) => {
      if (reader === null) {
        throw new HttpError(503, "event_log_not_configured", "no event log is configured: set CLICKHOUSE_URL to enable velocity (retrying will not help)");
      }
      const lookup = await reader.velocity(params.accountId);
      const visible = canSeeAccount(access.callerOf(request), params.accountId);
      if (lookup.ok && visible) return velocityBodyOf(lookup.velocity);
      if (lookup.ok || lookup.reason === "not_found") {
        throw new HttpError(404, "account_not_found", `account ${params.accountId} has no applied messages in the event log`);
      }
      throw new HttpError(503, "event_log_unavailable", "the event log (ClickHouse) cannot answer now; retry later", undefined, { "retry-after": "5" });
    },
    {
      ...scoped(access, "balances:read"),
      params: t.Object({ accountId: IdSchema }),
      response: { 200: VelocityBody, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      detail: {
        summary: "Transaction velocity of an account over the last 1 h, 24 h and 7 d",
        description: "Scope balances:read. Read from the ClickHouse event log, which trails the engine by up to EVENT_LOG_FLUSH_MS. 404 for an account with no applied messages, and for one outside the caller's accounts.",
        tags: ["balances"],
        security: securityOf("balances:read"),
      },
    },
  );
}
