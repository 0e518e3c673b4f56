/** The HTTP and WebSocket server: every route, the error format and the OpenAPI document. */
import { openapi } from "@elysiajs/openapi";
import { Elysia, type ElysiaConfig } from "elysia";
import { ENGINE_VERSION } from "../observability/buildInfo.ts";
import type { SubscriptionHub } from "../ws/subscriptionHub.ts";
import { wsRoutes } from "../ws/wsRoutes.ts";
import { allowedMethodsOf, errorResponse, type AllowedMethods } from "./errorResponse.ts";
import { httpRequestMetrics, httpRequestRecorder } from "./httpMetrics.ts";
import { BALANCE_ROUTE, balanceFastRoute } from "./routes/balanceFastRoute.ts";
import type { HttpDeps } from "./httpDeps.ts";
import { adminRoutes } from "./routes/adminRoutes.ts";
import { balanceRoutes } from "./routes/balanceRoutes.ts";
import { dlqRoutes } from "./routes/dlqRoutes.ts";
import { historyRoutes } from "./routes/historyRoutes.ts";
import { reconciliationRoutes } from "./routes/reconciliationRoutes.ts";
import { auditRoutes } from "./routes/auditRoutes.ts";
import { dashboardRoutes } from "./routes/dashboardRoutes.ts";
import { EVENTS_BODY_BYTES_MAX, eventsRoutes } from "./routes/eventsRoutes.ts";
import { opsRoutes } from "./routes/opsRoutes.ts";
import { velocityRoutes } from "./routes/velocityRoutes.ts";
import { transferRoutes } from "./routes/transferRoutes.ts";
import { transferEventsRoutes } from "./routes/transferEventsRoutes.ts";
import { OPENAPI_ASSETS_PATH, openapiAssetRoutes } from "./routes/openapiAssets.ts";
import { clientMessageSchema, ServerMessageSchema } from "../ws/wsMessages.ts";
import { SECURITY_SCHEMES } from "./auth/routeScope.ts";

/** A client message is a subscription list: 64 KiB holds WS_SUBSCRIPTIONS_MAX ids of typical length. */
const WS_CLIENT_MESSAGE_BYTES_MAX = 64 * 1024;
/** A connection with no traffic (not even pings) for this long is closed by Bun. */
const WS_IDLE_TIMEOUT_SECONDS = 120;
/** Bodies above the events limit are refused by Bun itself, this far above it (the route answers 413 below). */
const REQUEST_BODY_MARGIN_BYTES = 1024 * 1024;

/** The engine's app type: the dashboard's typed client (Eden Treaty) is made from it. */
export type App = ReturnType<typeof createApp>;

export function createApp(deps: HttpDeps, hub: SubscriptionHub, wsBufferMaxBytes: number) {
  // Read on the first 404 or 405, once every route is registered.
  let methodsOf: AllowedMethods | null = null;
  const allowed: AllowedMethods = (path) => (methodsOf ??= allowedMethodsOf(app.routes))(path);
  const record = httpRequestRecorder(deps.metrics);
  // The fast route hands the app what it does not answer itself; set once the app exists.
  let appFetch: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 });
  const app = new Elysia({
    // Validate, never quietly repair: with normalization on, Elysia drops fields and parameters
    // the schema does not name (a typo such as ?offset= or an extra body field was ignored while
    // the OpenAPI document said additionalProperties: false). Off, they are a 400 that names them.
    normalize: false,
    // Elysia binds with reusePort by default: a second engine on the same PORT would then start
    // without error and the kernel would spread requests over both. Alone, it fails to bind.
    serve: {
      maxRequestBodySize: EVENTS_BODY_BYTES_MAX + REQUEST_BODY_MARGIN_BYTES, reusePort: false,
      // The hot read as a Bun route of its own; the rest of that path's requests go to the app.
      routes: { [BALANCE_ROUTE]: { GET: balanceFastRoute({ balances: deps.balances, bodies: deps.balanceBodies, access: deps.access, record, app: (request) => appFetch(request) }) } },
    } as unknown as ElysiaConfig<"">["serve"],
    websocket: {
      // The hub cuts a slow client off at wsBufferMaxBytes; Bun's own limit sits above as a backstop.
      backpressureLimit: wsBufferMaxBytes * 2,
      closeOnBackpressureLimit: true,
      maxPayloadLength: WS_CLIENT_MESSAGE_BYTES_MAX,
      idleTimeout: WS_IDLE_TIMEOUT_SECONDS,
    },
  })
    .use(httpRequestMetrics(record))
    .onError(({ code, error, set, request }) => errorResponse(deps.log, code, error, set, request, allowed))
    .use(openapiAssetRoutes())
    .use(openapi({
      path: "/openapi",
      provider: "swagger-ui",
      // The pinned local copy (never a CDN), and no online validator badge (Swagger UI's null;
      // the plugin's type allows only strings).
      swagger: {
        cdn: `${OPENAPI_ASSETS_PATH}/swagger-ui-bundle.js`, theme: `${OPENAPI_ASSETS_PATH}/swagger-ui.css`,
        validatorUrl: null as unknown as string,
      },
      documentation: openapiDocumentation(deps.wsSubscriptionsMax),
    }))
    .use(opsRoutes(deps))
    .use(balanceRoutes(deps))
    .use(eventsRoutes(deps))
    .use(adminRoutes(deps))
    .use(dlqRoutes(deps))
    .use(velocityRoutes(deps.velocity, deps.access))
    .use(transferRoutes(deps))
    .use(transferEventsRoutes(deps))
    .use(historyRoutes(deps))
    .use(reconciliationRoutes(deps))
    .use(auditRoutes(deps))
    .use(dashboardRoutes(deps))
    .use(wsRoutes(deps, hub));
  appFetch = (request) => app.fetch(request);
  return app;
}

/**
 * What the routes do not say themselves: the servers (paths relative to where the document is
 * served, so it holds behind any host and port), the tags, and the WebSocket, which OpenAPI has
 * no operation for, under the extension `x-websocket` with its messages' schemas; the security
 * schemes (each route names its scope in its own `security`). The document itself is open: it
 * describes the API, and holds no data.
 */
function openapiDocumentation(wsSubscriptionsMax: number) {
  return {
    info: {
      title: "Balance engine", version: ENGINE_VERSION, contact: { name: "Balance engine maintainers" },
      description: "Real-time account balances from the core bank's EOD balances and transactions. Amounts are decimal strings. Push: WebSocket /v1/ws (see x-websocket).",
    },
    servers: [{ url: "/", description: "This engine" }],
    components: { securitySchemes: SECURITY_SCHEMES },
    tags: [
      { name: "balances", description: "Balances and velocity of an account" },
      { name: "history", description: "An account's past, from the event log: transactions and statements" },
      { name: "events", description: "The embedded input (POST /v1/events)" },
      { name: "admin", description: "Facility limits, reconciliation, the audit log" },
      { name: "dlq", description: "Dead letters kept in memory" },
      { name: "ops", description: "Liveness, readiness, metrics" },
    ],
    "x-websocket": {
      path: "/v1/ws",
      description: "Authenticated at the upgrade: Authorization: Bearer <JWT> or X-API-Key, or the access_token query parameter (browsers); Origin checked against WS_ALLOWED_ORIGINS. Subscribing to accounts needs balances:read; an account outside the caller's accounts gets the same account_not_found error as an unknown one, and no data. The alerts channel carries only the caller's accounts' alerts unless it holds ops:read; the activity channel (ops:read) carries every account's balance and transfer changes. Subscribe to accounts and to the alerts channel; a balance message after every applied change, an alert for each high-value transaction, an error (with field) for a bad client message. A client that falls too far behind is dropped (its socket closed at once, close code 1006 on its side).",
      clientMessage: clientMessageSchema(wsSubscriptionsMax),
      serverMessage: ServerMessageSchema,
    },
  };
}
