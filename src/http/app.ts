/** The HTTP and WebSocket server: every route, the error format and the OpenAPI document. */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { wsRoutes } from "../ws/wsRoutes.ts";
import { HttpError } from "./httpError.ts";
import type { HttpDeps } from "./httpDeps.ts";
import { adminRoutes } from "./routes/adminRoutes.ts";
import { balanceRoutes } from "./routes/balanceRoutes.ts";
import { dlqRoutes } from "./routes/dlqRoutes.ts";
import { EVENTS_BODY_BYTES_MAX, eventsRoutes } from "./routes/eventsRoutes.ts";
import { opsRoutes } from "./routes/opsRoutes.ts";

export interface ServerLimits {
  /** Unsent bytes per WebSocket client before it is cut off. */
  readonly wsBufferMaxBytes: number;
}

export function createApp(deps: HttpDeps, limits: ServerLimits) {
  return new Elysia({
    serve: { maxRequestBodySize: EVENTS_BODY_BYTES_MAX + 1024 * 1024 },
    websocket: {
      backpressureLimit: limits.wsBufferMaxBytes,
      closeOnBackpressureLimit: true, // a slow client is cut off, never buffered without bound
      maxPayloadLength: 64 * 1024,
      idleTimeout: 120,
    },
  })
    .onError(({ code, error, set }) => errorResponse(deps, code, error, set))
    .use(openapi({
      path: "/openapi",
      documentation: { info: { title: "Balance engine", version: "0.1.0", description: "Real-time account balances" } },
    }))
    .use(opsRoutes(deps))
    .use(balanceRoutes(deps))
    .use(eventsRoutes(deps))
    .use(adminRoutes(deps))
    .use(dlqRoutes(deps))
    .use(wsRoutes(deps));
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

/** Elysia's ValidationError: name the part and field that is wrong, in one readable line. */
function validationDetail(error: unknown): { message: string; field: string } {
  const e = error as { type?: string; all?: { path?: string; message?: string }[] };
  const first = e.all?.[0];
  const part = e.type ?? "request";
  const path = first?.path ? first.path.replace(/^\//, "").replaceAll("/", ".") : "";
  const field = path === "" ? part : `${part}.${path}`;
  return { message: `${field}: ${first?.message ?? "invalid"}`, field };
}
