/**
 * The dashboard's typed client: Eden Treaty over the engine's own app type, so every path, query
 * and body the dashboard uses is checked against the route schemas by `tsc` (a schema that
 * changes under the UI breaks the type check there). Type-only import: no server code reaches
 * the browser.
 */
import { treaty } from "@elysiajs/eden";
import type { App } from "../http/app.ts";
import { credentialHeaders } from "./credential.ts";

// parseDate off: Eden would otherwise turn every date-like string (an eodDate, an updatedAt) into
// a Date object, while the route schemas (and so the types) say string.
export const api = treaty<App>(location.origin, { headers: () => credentialHeaders(), parseDate: false });

/** What a failed call said: the engine's error message, or the status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface EdenAnswer<T> {
  readonly data: T | null;
  readonly error: { readonly status: number; readonly value: unknown } | null;
}

/** The data of a call, or an ApiError carrying the engine's `{error: {message}}`. */
export async function dataOf<T>(call: Promise<EdenAnswer<T>>): Promise<NonNullable<T>> {
  const { data, error } = await call;
  if (error !== null) throw new ApiError(error.status, messageOf(error.value) ?? `HTTP ${error.status}`);
  if (data === null || data === undefined) throw new ApiError(0, "empty answer");
  return data as NonNullable<T>;
}

function messageOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("error" in value)) return undefined;
  const error = (value as { error: { message?: unknown } }).error;
  return typeof error?.message === "string" ? error.message : undefined;
}
