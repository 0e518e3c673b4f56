/** GET /v1/accounts/:accountId/velocity — counts and sums of applied transactions over 1 h, 24 h, 7 d. */
import { Elysia, t } from "elysia";
import { ID_LENGTH_MAX } from "../../actors/messages.ts";
import { HttpError } from "../httpError.ts";
import { ErrorResponse } from "../schemas.ts";

const VelocityWindow = t.Object({
  count: t.Integer({ minimum: 0, description: "Applied TRANSACTION_CREATED and TRANSACTION_REMOVED messages" }),
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

export type Velocity = typeof VelocityBody.static;
export type VelocityWindowName = keyof Velocity["windows"];

/** Errors are values: an account with no applied events, or an event log that cannot answer now. */
export type VelocityLookup =
  | { readonly ok: true; readonly velocity: Velocity }
  | { readonly ok: false; readonly reason: "not_found" | "unavailable" };

/** Where velocity figures come from (the ClickHouse event log). */
export interface VelocityReader {
  velocity(accountId: string): Promise<VelocityLookup>;
}

export function velocityRoutes(reader: VelocityReader) {
  return new Elysia().get(
    "/v1/accounts/:accountId/velocity",
    async ({ params }) => {
      const lookup = await reader.velocity(params.accountId);
      if (lookup.ok) return lookup.velocity;
      if (lookup.reason === "not_found") {
        throw new HttpError(404, "account_not_found", `account ${params.accountId} has no applied messages in the event log`);
      }
      throw new HttpError(503, "event_log_unavailable", "the event log (ClickHouse) cannot answer now; retry later", undefined, { "retry-after": "5" });
    },
    {
      params: t.Object({ accountId: t.String({ minLength: 1, maxLength: ID_LENGTH_MAX }) }),
      response: { 200: VelocityBody, 400: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse },
      detail: {
        summary: "Transaction velocity of an account over the last 1 h, 24 h and 7 d",
        description: "Read from the ClickHouse event log, which trails the engine by up to EVENT_LOG_FLUSH_MS.",
        tags: ["balances"],
      },
    },
  );
}
