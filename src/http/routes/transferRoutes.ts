/**
 * The transfer API (contract section 7): POST /v1/transfers with an Idempotency-Key, GET a
 * transfer, confirm after 2FA, cancel. Every decision is the runtime's (TransferDesk); this
 * file turns the answers into statuses and headers.
 */
import { Elysia, t } from "elysia";
import { IdSchema } from "../../domain/identifier.ts";
import { TransferViewSchema, type TransferView } from "../../domain/transfer/transferView.ts";
import type { TransferAnswer, TransferRefusalCode, TransferStatusAnswer } from "../../runtime/ports.ts";
import { HttpError } from "../httpError.ts";
import type { HttpDeps } from "../httpDeps.ts";
import { ErrorResponse } from "../schemas.ts";
import { forwardTransfer } from "./transferForwarding.ts";
import { auditedAction, writeAudit } from "../auditedAction.ts";
import { scoped, securityOf } from "../auth/routeScope.ts";

/** The IETF draft's key: 1..255 printable ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

const REFUSAL_STATUS: Readonly<Record<TransferRefusalCode, number>> = {
  invalid_body: 400, account_not_found: 404, currency_mismatch: 422, insufficient_funds: 422, idempotency_key_reused: 422,
  idempotency_key_in_flight: 409, too_many_transfers: 429, rate_limited: 429, journal_unavailable: 503, not_owner: 503,
};

const DeniedResponse = t.Object({ error: t.Object({ code: t.Literal("transfer_denied"), message: t.String() }), transfer: TransferViewSchema });

export function transferRoutes(deps: HttpDeps) {
  const desk = deps.transfers;
  const callerOf = (request: Request) => deps.access.callerOf(request);
  const statusChange = (action: "confirm" | "cancel") => ({ params, request, set }: { params: { transferId: string }; request: Request; set: ResponseSet }) =>
    auditedAction(deps, request, { action: `transfer.${action}`, target: params.transferId, detail: {} }, async () =>
      statusResponse(await desk.changeStatus(params.transferId, action, callerOf(request)), set));
  return new Elysia()
    .post("/v1/transfers", async ({ body, request, set }) => {
      const key = idempotencyKeyOf(request.headers.get("idempotency-key"));
      await deps.access.limitTransferSource(body.fromAccountId);
      const answer = await desk.authorize({ caller: callerOf(request), idempotencyKey: key, body });
      if (answer.kind === "refused" && answer.code === "not_owner" && deps.transferOwners !== null) {
        const owners = await forwardTransfer(deps.transferOwners, request, body.fromAccountId, body);
        if (owners !== null) return owners;
      }
      if (answer.kind === "decided" && !answer.replayed) await auditDecision(deps, request, answer.transfer);
      return decisionResponse(answer, set);
    }, {
      ...scoped(deps.access, "transfers:write"),
      body: t.Object({
        fromAccountId: IdSchema, toAccountId: IdSchema,
        amount: t.String({ description: "Positive decimal string in major units", examples: ["50.00"] }),
        currency: t.String({ examples: ["USD"] }),
        reference: t.Optional(t.String({ maxLength: 140 })),
      }, { additionalProperties: false }),
      response: { 201: TransferViewSchema, 400: ErrorResponse, 403: DeniedResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      detail: {
        summary: "Authorize a transfer: a hold on the source, decided in its actor",
        description: "Header Idempotency-Key (1..255 printable ASCII) is required. 201 APPROVED or PENDING_2FA (a hold is placed, durable before the answer), 403 transfer_denied (the risk score), 422 insufficient_funds / currency_mismatch / idempotency_key_reused, 409 idempotency_key_in_flight. A repeat with the same key and body replays the first answer with Idempotent-Replayed: true.",
        tags: ["transfers"], security: securityOf("transfers:write"),
      },
    })
    .get("/v1/transfers/:transferId", ({ params, request }) => {
      const view = desk.transferOf(params.transferId, callerOf(request));
      if (view === null) throw new HttpError(404, "transfer_not_found", `no transfer ${params.transferId}`);
      return view;
    }, {
      ...scoped(deps.access, "transfers:write"),
      params: t.Object({ transferId: IdSchema }),
      response: { 200: TransferViewSchema, 404: ErrorResponse },
      detail: { summary: "A transfer as it is now (404 also for a source outside the caller's accounts)", tags: ["transfers"], security: securityOf("transfers:write") },
    })
    .post("/v1/transfers/:transferId/confirm", statusChange("confirm"),
      statusChangeOptions(deps, "transfers:confirm", "2FA passed: PENDING_2FA becomes APPROVED (409 transfer_not_pending otherwise); audited"))
    .post("/v1/transfers/:transferId/cancel", statusChange("cancel"),
      statusChangeOptions(deps, "transfers:write", "Cancel a PENDING_2FA transfer: it ends REJECTED and its hold is released; audited"));
}

type ResponseSet = { status?: number | string; headers: Record<string, unknown> };

/** confirm and cancel: the same shape, each with its scope. */
function statusChangeOptions(deps: HttpDeps, scope: "transfers:write" | "transfers:confirm", summary: string) {
  return {
    ...scoped(deps.access, scope),
    params: t.Object({ transferId: IdSchema }),
    response: { 200: TransferViewSchema, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse },
    detail: { summary, tags: ["transfers"], security: securityOf(scope) },
  };
}

/** Each fresh decision in audit.events with the caller's name (contract section 8). */
function auditDecision(deps: HttpDeps, request: Request, transfer: TransferView): Promise<void> {
  return writeAudit(deps, {
    atMs: Date.now(), actor: deps.access.callerOf(request).name, action: "transfer.decide", target: transfer.transferId,
    status: transfer.decision === "DENY" ? 403 : 201,
    detail: { decision: transfer.decision, status: transfer.status, riskScore: transfer.riskScore, fromAccountId: transfer.fromAccountId, amount: transfer.amount, currency: transfer.currency },
  });
}

function idempotencyKeyOf(header: string | null): string {
  if (header === null) throw new HttpError(400, "idempotency_key_missing", "headers.idempotency-key: is required", "headers.idempotency-key");
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new HttpError(400, "idempotency_key_invalid", "headers.idempotency-key: must be 1 to 255 printable ASCII characters", "headers.idempotency-key");
  }
  return header;
}

function decisionResponse(answer: TransferAnswer, set: ResponseSet) {
  if (answer.kind === "refused") throw refusalError(answer.code, answer.message, answer.field);
  set.headers.location = `/v1/transfers/${encodeURIComponent(answer.transfer.transferId)}`;
  if (answer.replayed) set.headers["idempotent-replayed"] = "true";
  if (answer.transfer.decision !== "DENY") {
    set.status = 201;
    return answer.transfer;
  }
  set.status = 403;
  return { error: { code: "transfer_denied" as const, message: `the risk score ${answer.transfer.riskScore} is above the denial threshold` }, transfer: answer.transfer };
}

function statusResponse(answer: TransferStatusAnswer, set: ResponseSet): TransferView {
  if (answer.kind === "changed") return answer.transfer;
  const status = answer.code === "transfer_not_found" ? 404 : answer.code === "transfer_not_pending" ? 409 : 503;
  set.status = status;
  throw new HttpError(status, answer.code, answer.message, undefined, status === 503 ? { "retry-after": "1" } : {});
}

function refusalError(code: TransferRefusalCode, message: string, field?: string): HttpError {
  const status = REFUSAL_STATUS[code];
  const retry: Record<string, string> = status === 429 || status === 503 ? { "retry-after": "1" } : {};
  return new HttpError(status, code, message, field === undefined ? undefined : `body.${field}`, retry);
}
