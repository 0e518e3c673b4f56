/**
 * GET /v1/admin/audit — `audit.events`, newest first, a page at a time: who did what to what,
 * and what it answered (contract section 8). Scope admin, like the other admin reads
 * (reconciliation, the DLQ); reading the log is not itself written to it, so that a dashboard
 * that polls it does not fill it.
 */
import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { IdSchema } from "../../domain/identifier.ts";
import type { AuditPage } from "../../runtime/ports.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { ErrorResponse, integerQuery } from "../schemas.ts";

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;

const AuditItemBody = t.Object({
  eventId: Type.Integer({ description: "The row's id: rows are listed by it, newest first" }),
  at: t.String({ description: "RFC 3339" }),
  actor: t.String({ description: "The caller's name: key:<name>, jwt:<sub> or anonymous (auth off)" }),
  action: t.String({ examples: ["transfer.confirm"] }),
  target: t.String({ description: "What it was done to: a facility id, a transfer id, dlq" }),
  status: Type.Integer({ description: "The HTTP status the action answered with" }),
  detail: t.Record(t.String(), t.Unknown()),
});

export const AuditPageBody = t.Object({
  items: t.Array(AuditItemBody),
  nextCursor: t.Union([t.String(), t.Null()], { description: "Pass as cursor for the next, older page; null on the last" }),
});

function bodyOf(page: AuditPage) {
  return {
    items: page.items.map((row) => ({
      eventId: row.eventId, at: new Date(row.atMs).toISOString(), actor: row.actor, action: row.action,
      target: row.target, status: row.status, detail: { ...row.detail },
    })),
    nextCursor: page.nextBefore === null ? null : String(page.nextBefore),
  };
}

export function auditRoutes(deps: HttpDeps) {
  return new Elysia().get("/v1/admin/audit", async ({ query }) => bodyOf(await deps.audit.page({
    before: query.cursor === undefined ? undefined : Number(query.cursor),
    limit: query.limit ?? AUDIT_PAGE_DEFAULT,
    action: query.action, target: query.target, actor: query.actor,
  })), {
    ...scoped(deps.access, "admin"),
    query: t.Object({
      limit: t.Optional(integerQuery("limit", { minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT, description: "Rows per page at most" })),
      cursor: t.Optional(t.String({ pattern: "^[1-9][0-9]{0,15}$", description: "The nextCursor of the previous page" })),
      action: t.Optional(t.String({ minLength: 1, maxLength: 64, description: "Only rows of this action (transfer.confirm, facility.set, dlq.read)" })),
      target: t.Optional(IdSchema),
      actor: t.Optional(t.String({ minLength: 1, maxLength: 200, description: "Only rows of this caller" })),
    }, { additionalProperties: false }),
    response: { 200: AuditPageBody, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
    detail: {
      summary: "The audit log, newest first, a page at a time",
      description: "Scope admin. Every admin action, transfer decision, confirmation and cancellation with the caller's name, from audit.events. Filters: action, target, actor.",
      tags: ["admin"], security: securityOf("admin"),
    },
  });
}
