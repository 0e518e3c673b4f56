/**
 * GET /v1/dlq — the in-memory dead letters, newest first, a page at a time: `limit` letters at
 * most, and at most DLQ_PAGE_PAYLOAD_BYTES_MAX of payload in all, each letter's payload cut to
 * DLQ_LETTER_PAYLOAD_BYTES_MAX (marked `payloadTruncated`, with its full `payloadBytes`: the whole
 * payload of such a letter is on the Kafka DLQ topic in Kafka mode). `nextCursor` goes back as
 * `cursor` for the next page; `reason` keeps one reason.
 */
import { Elysia, t } from "elysia";
import { DEAD_LETTER_REASONS } from "../../domain/reasons.ts";
import { literalUnion } from "../../lib/literalUnion.ts";
import { ListedDeadLetterSchema } from "../../runtime/deadLetter.ts";
import { auditedAction } from "../auditedAction.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { ErrorResponse, integerQuery } from "../schemas.ts";

export const DLQ_PAGE_DEFAULT = 100;
export const DLQ_PAGE_MAX = 1000;
/** What four reads of 1,000 letters returned before: 241 MiB. A page now shows at most this. */
export const DLQ_PAGE_PAYLOAD_BYTES_MAX = 1024 * 1024;
export const DLQ_LETTER_PAYLOAD_BYTES_MAX = 64 * 1024;

export function dlqRoutes(deps: HttpDeps) {
  return new Elysia().get(
    "/v1/dlq",
    // Reading raw dead-lettered payloads is an admin action: each page read is audited.
    ({ query, request }) => auditedAction(deps, request, { action: "dlq.read", target: "dlq", detail: { ...query } }, () => deps.dlq.page({
      before: query.cursor === undefined ? undefined : Number(query.cursor),
      reason: query.reason,
      limit: query.limit ?? DLQ_PAGE_DEFAULT,
      payloadBytesMax: DLQ_PAGE_PAYLOAD_BYTES_MAX,
      letterPayloadBytesMax: DLQ_LETTER_PAYLOAD_BYTES_MAX,
    })),
    {
      ...scoped(deps.access, "admin"),
      query: t.Object({
        limit: t.Optional(integerQuery("limit", { minimum: 1, maximum: DLQ_PAGE_MAX, default: DLQ_PAGE_DEFAULT, description: "Letters per page at most" })),
        cursor: t.Optional(t.String({ pattern: "^[1-9][0-9]{0,15}$", description: "The nextCursor of the previous page" })),
        reason: t.Optional(literalUnion(DEAD_LETTER_REASONS, { description: "Only letters with this reason" })),
      }, { additionalProperties: false }),
      response: {
        200: t.Object({
          items: t.Array(ListedDeadLetterSchema),
          nextCursor: t.Union([t.String(), t.Null()], { description: "Pass as cursor for the next, older page; null on the last" }),
        }),
        400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse,
      },
      detail: {
        summary: "Dead letters, newest first, a page at a time",
        security: securityOf("admin"),
        description: `Scope admin; each page read is written to audit.events. At most limit letters and ${DLQ_PAGE_PAYLOAD_BYTES_MAX} bytes of payload per page; a payload over ${DLQ_LETTER_PAYLOAD_BYTES_MAX} bytes is cut (payloadTruncated, payloadBytes). Cursors hold while letters arrive and the oldest are evicted, for the life of the process.`,
        tags: ["dlq"],
      },
    },
  );
}
