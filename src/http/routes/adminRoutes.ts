/** PUT /v1/admin/facilities/:facilityId — change a facility limit during the day. */
import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { IdSchema } from "../../domain/identifier.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { formatAmount, parseAmount } from "../../domain/money.ts";
import { auditedAction } from "../auditedAction.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import { HttpError } from "../httpError.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { ErrorResponse } from "../schemas.ts";

export function adminRoutes(deps: HttpDeps) {
  return new Elysia().put(
    "/v1/admin/facilities/:facilityId",
    ({ params, body, request }) => auditedAction(deps, request, {
      action: "facility.set", target: params.facilityId, detail: { limit: body.limit, currency: body.currency ?? "USD" },
    }, async () => {
      const currency = body.currency ?? "USD";
      const minorDigits = minorDigitsOf(currency);
      if (minorDigits === undefined) throw new HttpError(400, "unknown_currency", `body.currency: ${currency} is not a known currency`, "body.currency");
      const limit = parseAmount(body.limit, minorDigits);
      if (!limit.ok || limit.minor < 0) {
        throw new HttpError(400, "invalid_limit", `body.limit: must be a non-negative decimal string in ${currency}`, "body.limit");
      }
      const facility = { facilityId: params.facilityId, limitMinor: limit.minor, currency };
      const accountsUpdated = await deps.facilities.setFacilityLimit(facility);
      return { facilityId: facility.facilityId, limit: formatAmount(limit.minor, minorDigits), currency, accountsUpdated };
    }),
    {
      ...scoped(deps.access, "admin"),
      params: t.Object({ facilityId: IdSchema }),
      body: t.Object({
        limit: t.String({ description: "Non-negative decimal string", examples: ["5000.00"] }),
        currency: t.Optional(t.String({ description: "Currency of the limit (default USD)", examples: ["USD"] })),
      }, { additionalProperties: false }),
      response: {
        200: t.Object({ facilityId: t.String(), limit: t.String(), currency: t.String(), accountsUpdated: Type.Integer({ minimum: 0 }) }),
        400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse,
      },
      detail: {
        summary: "Upsert a facility limit and apply it to its accounts at once",
        security: securityOf("admin"),
        description: "Scope admin; every call is written to audit.events with the caller's name. Writes datasource.facility, then gives every account that uses the facility the new limit, with a balance push each. For an account of another currency the facility counts as not found.",
        tags: ["admin"],
      },
    },
  );
}
