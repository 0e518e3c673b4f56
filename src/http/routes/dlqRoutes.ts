/** GET /v1/dlq — the most recent dead letters, newest first. */
import { Elysia, t } from "elysia";
import type { HttpDeps } from "../httpDeps.ts";
import { DeadLetterBody, ErrorResponse } from "../schemas.ts";

export function dlqRoutes(deps: HttpDeps) {
  return new Elysia().get(
    "/v1/dlq",
    ({ query }) => ({ items: deps.dlq.newest(query.limit ?? 100) }),
    {
      query: t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, error: "query.limit: an integer from 1 to 1000" })) }),
      response: { 200: t.Object({ items: t.Array(DeadLetterBody) }), 400: ErrorResponse },
      detail: { summary: "Recent dead letters, newest first", tags: ["dlq"] },
    },
  );
}
