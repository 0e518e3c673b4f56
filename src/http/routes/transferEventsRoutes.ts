/**
 * `GET /v1/transfers/:id/events`: a transfer's status as Server-Sent Events. The first event is
 * the transfer as it is now, then one per change (`event: transfer`, the body of
 * `GET /v1/transfers/:id` as data, the status as the event id); the stream ends after a final
 * status (POSTED, FAILED, REJECTED, EXPIRED). A comment every 15 s keeps proxies from closing it.
 * Served by the instance that decides for the transfer's source (like the WebSocket's transfer
 * subscriptions).
 */
import { Elysia, t } from "elysia";
import { IdSchema } from "../../domain/identifier.ts";
import { isFinal } from "../../domain/transfer/transfer.ts";
import type { TransferView } from "../../domain/transfer/transferView.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";
import { HttpError } from "../httpError.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { ErrorResponse } from "../schemas.ts";

const KEEPALIVE_MS = 15_000;
const encoder = new TextEncoder();

export function transferEventsRoutes(deps: HttpDeps) {
  return new Elysia().get("/v1/transfers/:transferId/events", ({ params, request }) => {
    const view = deps.transfers.transferOf(params.transferId, deps.access.callerOf(request));
    if (view === null) throw new HttpError(404, "transfer_not_found", `no transfer ${params.transferId}`);
    return new Response(eventStream(deps, view, request.signal), {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
    });
  }, {
    ...scoped(deps.access, "transfers:write"),
    params: t.Object({ transferId: IdSchema }),
    response: { 404: ErrorResponse, 503: ErrorResponse },
    detail: {
      summary: "A transfer's status changes as Server-Sent Events (text/event-stream), ending after a final status; 503 past SSE_CONNECTIONS_MAX",
      tags: ["transfers"], security: securityOf("transfers:write"),
    },
  });
}

function eventStream(deps: HttpDeps, first: TransferView, aborted: AbortSignal): ReadableStream<Uint8Array> {
  let stop = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const close = () => {
        if (!open) return;
        open = false;
        stop();
        clearInterval(keepalive);
        controller.close();
      };
      const send = (view: TransferView) => {
        if (!open) return;
        controller.enqueue(encoder.encode(`event: transfer\nid: ${view.status}\ndata: ${JSON.stringify(view)}\n\n`));
        if (isFinal(view.status)) close();
      };
      const unwatch = deps.transferWatch.watch(first.transferId, send);
      if (unwatch === null) throw new HttpError(503, "too_many_streams", "too many event streams are open; retry later");
      stop = unwatch;
      const keepalive = setInterval(() => open && controller.enqueue(encoder.encode(": keepalive\n\n")), KEEPALIVE_MS);
      aborted.addEventListener("abort", close);
      send(first);
    },
    cancel() {
      stop();
    },
  });
}
