/**
 * `http_requests_total` and `http_request_duration_seconds` by method, route template and status.
 * Per request: one clock read at the start, then one counter increment and one histogram observe
 * on children kept by label key: batched metrics (observability/batchedMetrics.ts), whose
 * children add to plain numbers (prom-client's hash their labels again on every call).
 * Routes are templates (`/v1/accounts/:accountId/balance`), and a request that matched no route
 * counts as `unmatched`: the label set stays as small as the route table.
 */
import { Elysia } from "elysia";
import type { Metrics } from "../observability/metrics.ts";

/** Children per label key, at most: routes × methods × statuses in practice stays far below. */
const LABEL_SETS_MAX = 10_000;

interface Children {
  readonly count: { inc(): void };
  readonly duration: { observe(seconds: number): void };
}

interface TimedContext {
  requestStartedMs?: number;
  request: Request;
  route?: string;
  set: { status?: number | string };
  responseValue?: unknown;
}

/** Counts one answered request: the Elysia plugin below, and routes served beside Elysia (balanceFastRoute). */
export type HttpRequestRecorder = (method: string, route: string, status: number, startedMs: number) => void;

export function httpRequestRecorder(metrics: Metrics): HttpRequestRecorder {
  // route → status → method: the route and method strings are the same few each time (their
  // hashes kept), where a joined key was a new string to build and hash on every request.
  const children = new Map<string, Map<number, Map<string, Children>>>();
  let labelSets = 0;
  const childrenOf = (method: string, route: string, status: number): Children | undefined => {
    let byStatus = children.get(route);
    if (byStatus === undefined) children.set(route, (byStatus = new Map()));
    let byMethod = byStatus.get(status);
    if (byMethod === undefined) byStatus.set(status, (byMethod = new Map()));
    const found = byMethod.get(method);
    if (found !== undefined) return found;
    if (labelSets >= LABEL_SETS_MAX) {
      metrics.dropsTotal.inc({ what: "http_metric_labels" });
      return undefined;
    }
    const labels = { method, route, status: String(status) };
    const added = { count: metrics.httpRequestsTotal.labels(labels), duration: metrics.httpRequestDurationSeconds.labels(labels) };
    byMethod.set(method, added);
    labelSets += 1;
    return added;
  };
  return (method, route, status, startedMs) => {
    const found = childrenOf(method, route, status);
    if (found === undefined) return;
    found.count.inc();
    found.duration.observe((performance.now() - startedMs) / 1000);
  };
}

export function httpRequestMetrics(record: HttpRequestRecorder) {
  return new Elysia({ name: "http-request-metrics" })
    .onRequest((context) => {
      (context as unknown as TimedContext).requestStartedMs = performance.now();
    })
    .onAfterResponse({ as: "global" }, (context) => {
      const timed = context as unknown as TimedContext;
      const response = timed.responseValue;
      const status = response instanceof Response ? response.status : typeof timed.set.status === "number" ? timed.set.status : 200;
      record(timed.request.method, timed.route || "unmatched", status, timed.requestStartedMs ?? performance.now());
    });
}
