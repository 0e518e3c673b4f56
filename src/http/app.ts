/** The HTTP and WebSocket server: every route, the error format and the OpenAPI document. */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { ENGINE_VERSION } from "../observability/buildInfo.ts";
import type { SubscriptionHub } from "../ws/subscriptionHub.ts";
import { wsRoutes } from "../ws/wsRoutes.ts";
import { HttpError } from "./httpError.ts";
import { httpRequestMetrics } from "./httpMetrics.ts";
import type { HttpDeps } from "./httpDeps.ts";
import { adminRoutes } from "./routes/adminRoutes.ts";
import { balanceRoutes } from "./routes/balanceRoutes.ts";
import { dlqRoutes } from "./routes/dlqRoutes.ts";
import { EVENTS_BODY_BYTES_MAX, eventsRoutes } from "./routes/eventsRoutes.ts";
import { opsRoutes } from "./routes/opsRoutes.ts";
import { velocityRoutes } from "./routes/velocityRoutes.ts";

/** A client message is a subscription list: 64 KiB holds WS_SUBSCRIPTIONS_MAX ids of typical length. */
const WS_CLIENT_MESSAGE_BYTES_MAX = 64 * 1024;
/** A connection with no traffic (not even pings) for this long is closed by Bun. */
const WS_IDLE_TIMEOUT_SECONDS = 120;
/** Bodies above the events limit are refused by Bun itself, this far above it (the route answers 413 below). */
const REQUEST_BODY_MARGIN_BYTES = 1024 * 1024;

export function createApp(deps: HttpDeps, hub: SubscriptionHub, wsBufferMaxBytes: number) {
  return new Elysia({
    // Elysia binds with reusePort by default: a second engine on the same PORT would then start
    // without error and the kernel would spread requests over both. Alone, it fails to bind.
    serve: { maxRequestBodySize: EVENTS_BODY_BYTES_MAX + REQUEST_BODY_MARGIN_BYTES, reusePort: false },
    websocket: {
      // The hub cuts a slow client off at wsBufferMaxBytes; Bun's own limit sits above as a backstop.
      backpressureLimit: wsBufferMaxBytes * 2,
      closeOnBackpressureLimit: true,
      maxPayloadLength: WS_CLIENT_MESSAGE_BYTES_MAX,
      idleTimeout: WS_IDLE_TIMEOUT_SECONDS,
    },
  })
    .use(httpRequestMetrics(deps.metrics))
    .onError(({ code, error, set }) => errorResponse(deps, code, error, set))
    .use(openapi({
      path: "/openapi",
      documentation: { info: { title: "Balance engine", version: ENGINE_VERSION, description: "Real-time account balances" } },
    }))
    .use(opsRoutes(deps))
    .use(balanceRoutes(deps))
    .use(eventsRoutes(deps))
    .use(adminRoutes(deps))
    .use(dlqRoutes(deps))
    .use(velocityRoutes(deps.velocity))
    .use(wsRoutes(deps, hub));
}

function errorResponse(deps: HttpDeps, code: string | number, error: unknown, set: { status?: number | string; headers: Record<string, unknown> }) {
  if (error instanceof HttpError) {
    set.status = error.status;
    Object.assign(set.headers, error.headers);
    return error.body;
  }
  if (code === "VALIDATION") {
    set.status = 400;
    const detail = validationDetail(error);
    return new HttpError(400, "invalid_request", detail.message, detail.field).body;
  }
  if (code === "PARSE") {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof HttpError) return errorResponse(deps, "HTTP", cause, set);
    set.status = 400;
    return new HttpError(400, "invalid_json", "the body is not valid JSON", "body").body;
  }
  if (code === "NOT_FOUND") {
    set.status = 404;
    return new HttpError(404, "not_found", "no such route").body;
  }
  deps.log.error("http_unhandled_error", { code, error: String(error) });
  set.status = 500;
  return new HttpError(500, "internal", "internal error").body;
}

/**
 * Elysia's ValidationError: name the part and field that is wrong, in one readable line. A schema
 * may carry `error: "query.limit: ..."` where Elysia cannot name the field itself (coerced values).
 */
function validationDetail(error: unknown): { message: string; field: string } {
  const e = error as { type?: string; customError?: unknown; message?: string };
  if (typeof e.customError === "string") {
    const named = /^([\w.]+): /.exec(e.customError);
    if (named !== null) return { message: e.customError, field: named[1]! };
  }
  const detail = parseOrEmpty(e.message);
  const part = typeof detail.on === "string" ? detail.on : (e.type ?? "request");
  const property = typeof detail.property === "string" && detail.property !== "root" ? detail.property : "";
  const field = property === "" ? part : `${part}.${property.replace(/^\//, "").replaceAll("/", ".")}`;
  return { message: `${field}: ${typeof detail.summary === "string" ? detail.summary : "invalid"}`, field };
}

function parseOrEmpty(text: string | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(text ?? "");
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {};
  }
}
