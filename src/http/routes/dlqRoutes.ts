/** GET /v1/dlq — the most recent dead letters, newest first. */
import { Elysia, t } from "elysia";
import type { HttpDeps } from "../httpDeps.ts";
import { DeadLetterBody, ErrorResponse, integerQuery } from "../schemas.ts";

const DLQ_PAGE_DEFAULT = 100;
const DLQ_PAGE_MAX = 1000;

export function dlqRoutes(deps: HttpDeps) {
  return new Elysia().get(
    "/v1/dlq",
    ({ query }) => ({ items: deps.dlq.newest(query.limit ?? DLQ_PAGE_DEFAULT) }),
    {
      query: t.Object({ limit: t.Optional(integerQuery("limit", { minimum: 1, maximum: DLQ_PAGE_MAX })) }),
      response: { 200: t.Object({ items: t.Array(DeadLetterBody) }), 400: ErrorResponse },
      detail: { summary: "Recent dead letters, newest first", tags: ["dlq"] },
    },
  );
}
