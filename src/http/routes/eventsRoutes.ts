/** POST /v1/events — the embedded input: one message or an array of up to 10,000. */
import { Elysia, t } from "elysia";
import { MessageResultSchema, type Inbound } from "../../runtime/inbound.ts";
import { jsonDepthExceeds } from "../../lib/jsonDepth.ts";
import { badJson, HttpError } from "../httpError.ts";
import { securityOf } from "../auth/routeScope.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { ErrorResponse, eventsRequestBody } from "../schemas.ts";

export const EVENTS_BODY_BYTES_MAX = 16 * 1024 * 1024;
export const EVENTS_MESSAGES_MAX = 10_000;
/** A message nests 2 levels inside the array; anything far deeper is not a message. */
export const EVENTS_BODY_DEPTH_MAX = 32;

const HTTP_SOURCE = { kind: "http" } as const;

export function eventsRoutes(deps: HttpDeps) {
  return new Elysia().post(
    "/v1/events",
    async ({ body }) => {
      const ingest = deps.ingest;
      if (ingest === null) throw new HttpError(409, "kafka_mode", "this engine reads Kafka; produce messages to its topics instead");
      const elements = Array.isArray(body) ? body : [body];
      if (elements.length > EVENTS_MESSAGES_MAX) {
        throw new HttpError(413, "too_many_messages", `at most ${EVENTS_MESSAGES_MAX} messages per request`);
      }
      if (ingest.queuedTotal() > deps.queuedMessagesMax) {
        deps.metrics.ingestRefusedTotal.inc();
        throw new HttpError(429, "engine_busy", "too many messages wait on lookups; retry shortly", undefined, { "retry-after": "1" });
      }
      const inbounds: Inbound[] = elements.map((value) => ({ value, source: HTTP_SOURCE }));
      return { results: await ingest.ingestAll(inbounds) };
    },
    {
      // Authorized before the body is read: a caller without events:write never makes the engine read 16 MiB.
      parse: async ({ request }) => {
        await deps.access.authorize(request, "events:write");
        return readJsonBody(request);
      },
      // No body schema: the parse hook checks object-or-array (Elysia would coerce 42 into {}); each
      // element is validated by the engine, and an invalid one is dead-lettered, not a 400. The
      // document's request body describes the messages (eventsRequestBody).
      response: {
        200: t.Object({ results: t.Array(MessageResultSchema) }), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse,
        409: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse,
      },
      detail: {
        summary: "Ingest messages (embedded mode)", tags: ["events"], requestBody: eventsRequestBody(EVENTS_MESSAGES_MAX),
        security: securityOf("events:write"),
        description: "Scope events:write. Embedded mode only (409 with Kafka). One result per message, in input order. 400 when the body is not a JSON object or array, 413 past 10,000 messages or 16 MiB, 429 while too many messages wait on facility lookups.",
      },
    },
  );
}

/**
 * Reads the body as JSON, whatever the content type says; over EVENTS_BODY_BYTES_MAX by its
 * declared length or its length in characters is a 413 (Bun itself refuses a body past the
 * server's maxRequestBodySize, 1 MiB above it).
 */
async function readJsonBody(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > EVENTS_BODY_BYTES_MAX) throw tooLarge();
  const text = await request.text();
  if (text.length > EVENTS_BODY_BYTES_MAX) throw tooLarge();
  // Checked before anything is parsed or applied: the whole request is refused, nothing half-applied.
  if (jsonDepthExceeds(text, EVENTS_BODY_DEPTH_MAX)) {
    throw new HttpError(400, "body_too_deep", `the body nests deeper than ${EVENTS_BODY_DEPTH_MAX} levels`, "body");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badJson();
  }
  if (typeof body !== "object" || body === null) {
    throw new HttpError(400, "invalid_request", "the body must be a JSON object or an array of them", "body");
  }
  return body;
}

function tooLarge(): HttpError {
  return new HttpError(413, "body_too_large", `the body exceeds ${EVENTS_BODY_BYTES_MAX} bytes`);
}
