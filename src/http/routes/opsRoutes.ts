/** Liveness and readiness (open: probes carry no credential), and Prometheus metrics (scope ops:read). */
import { Elysia } from "elysia";
import { scoped, securityOf } from "../auth/routeScope.ts";
import type { HttpDeps } from "../httpDeps.ts";

export function opsRoutes(deps: HttpDeps) {
  return new Elysia()
    .get("/health", () => ({ status: "ok" }), { detail: { summary: "Liveness", description: "200 while the process serves HTTP. Open: needs no credential.", tags: ["ops"], security: [] } })
    .get(
      "/ready",
      ({ set }) => {
        const readiness = deps.readiness();
        set.status = readiness.ready ? 200 : 503;
        const degraded = readiness.degraded ?? [];
        const status = !readiness.ready ? "not_ready" : degraded.length > 0 ? "degraded" : "ready";
        return { status, checks: readiness.checks, degraded, shards: readiness.shards };
      },
      {
        detail: {
          summary: "Readiness: sources connected, state recovered",
          security: [],
          description: "Open: needs no credential. 503 not_ready while an input is down or state is not recovered; 200 degraded with the outputs that lag (databaseSync, redis, dlqProducer, eventLog, facilities).",
          tags: ["ops"],
        },
      },
    )
    .get(
      "/metrics",
      async ({ set }) => {
        set.headers["content-type"] = deps.metrics.registry.contentType;
        return deps.metrics.registry.metrics();
      },
      {
        ...scoped(deps.access, "ops:read"),
        detail: { summary: "Prometheus metrics", description: "Scope ops:read. Prometheus text format; every name starts with balance_engine_.", tags: ["ops"], security: securityOf("ops:read") },
      },
    );
}
