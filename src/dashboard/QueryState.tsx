/** What a view shows while its data loads, or when the engine refused or failed to answer. */
import type { UseQueryResult } from "@tanstack/react-query";
import { ApiError } from "./api.ts";

export function QueryState({ query, what }: { query: UseQueryResult<unknown>; what: string }) {
  if (query.isPending) return <p className="muted" role="status">Loading {what}…</p>;
  if (query.error === null) return null;
  const status = query.error instanceof ApiError && query.error.status > 0 ? ` (HTTP ${query.error.status})` : "";
  return <p className="error" role="alert">Could not load {what}{status}: {query.error.message}</p>;
}
