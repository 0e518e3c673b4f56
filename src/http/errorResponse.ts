/**
 * Every error the HTTP API answers, in one format: `{ "error": { "code", "message", "field"? } }`.
 * `field` names the part and the field, dotted: `params.accountId`, `query.limit`, `body.limit`,
 * `body.nested.0.x`; a message starts with the field it is about.
 */
import type { Logger } from "../observability/log.ts";
import { badJson, HttpError } from "./httpError.ts";
import { problemOf } from "../lib/schemaProblem.ts";

type ResponseSet = { status?: number | string; headers: Record<string, unknown> };

/** The methods each path accepts, for 405 answers: built from the app's routes on first use. */
export type AllowedMethods = (path: string) => string[];

export function errorResponse(log: Logger, code: string | number, error: unknown, set: ResponseSet, request: Request, allowed: AllowedMethods) {
  if (error instanceof HttpError) return answer(set, error);
  if (code === "VALIDATION") {
    // A response that fails its own schema is the engine's bug, never the client's 400.
    if ((error as { type?: unknown }).type === "response") return internalError(log, set, code, error);
    const detail = validationDetail(error);
    return answer(set, new HttpError(400, "invalid_request", detail.message, detail.field));
  }
  if (code === "PARSE") {
    const cause = (error as { cause?: unknown }).cause;
    return answer(set, cause instanceof HttpError ? cause : badJson());
  }
  if (code === "NOT_FOUND") {
    const methods = allowed(new URL(request.url).pathname);
    if (methods.length === 0) return answer(set, new HttpError(404, "not_found", "no such route"));
    const message = `${request.method} is not allowed here; use ${methods.join(", ")}`;
    return answer(set, new HttpError(405, "method_not_allowed", message, undefined, { allow: methods.join(", ") }));
  }
  return internalError(log, set, code, error);
}

function answer(set: ResponseSet, error: HttpError) {
  set.status = error.status;
  Object.assign(set.headers, error.headers);
  return error.body;
}

function internalError(log: Logger, set: ResponseSet, code: string | number, error: unknown) {
  log.error("http_unhandled_error", { code, error: String(error) });
  return answer(set, new HttpError(500, "internal", "internal error"));
}

/** Matches request paths against the route templates (`:name` is one segment). */
export function allowedMethodsOf(routes: readonly { method: string; path: string }[]): AllowedMethods {
  const patterns = routes.map((route) => ({
    method: route.method === "WS" ? "GET" : route.method.toUpperCase(),
    pattern: new RegExp(`^${route.path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : escapeRegExp(part))).join("/")}/?$`),
  }));
  return (path) => {
    const methods = new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method));
    if (methods.has("GET")) methods.add("HEAD"); // Bun answers HEAD for every GET route
    return [...methods].sort();
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface ValueError {
  readonly message?: string;
  readonly schema?: Record<string, unknown>;
}

/**
 * Elysia's ValidationError in one line naming the field. Elysia checks a number in the query in a
 * decode step that forgets which parameter it was; such schemas carry the field as their `title`
 * (`integerQuery` in http/schemas.ts).
 */
function validationDetail(error: unknown): { message: string; field: string } {
  const e = error as { type?: string; message?: string; valueError?: ValueError };
  const detail = parseOrEmpty(e.message);
  const schema = e.valueError?.schema ?? {};
  const part = typeof detail.on === "string" ? detail.on : (e.type ?? "request");
  const property = typeof detail.property === "string" && detail.property !== "root" ? detail.property : "";
  const named = property === "" ? part : `${part}.${property.replace(/^\//, "").replaceAll("/", ".")}`;
  const field = part === "property" && typeof schema.title === "string" ? schema.title : named;
  const summary = typeof detail.summary === "string" ? detail.summary : undefined;
  return { message: `${field}: ${problemOf(e.valueError?.message, schema, summary)}`, field };
}

function parseOrEmpty(text: string | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(text ?? "");
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {};
  }
}
