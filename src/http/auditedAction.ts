/**
 * Runs an admin action and writes its row to the audit log with the caller's name and the
 * status it answered with, refused ones (400) included. The row is written before the answer
 * goes out; a log that cannot be written is logged and counted, and the action's answer stands
 * (it has happened: refusing to say so would only make the caller retry it).
 */
import type { AuditEvent } from "../runtime/ports.ts";
import { HttpError } from "./httpError.ts";
import type { HttpDeps } from "./httpDeps.ts";

type Action = Pick<AuditEvent, "action" | "target" | "detail">;

export async function auditedAction<T>(deps: HttpDeps, request: Request, action: Action, work: () => Promise<T> | T): Promise<T> {
  const actor = deps.access.callerOf(request).name;
  let status = 200;
  try {
    return await work();
  } catch (error) {
    status = error instanceof HttpError ? error.status : 500;
    throw error;
  } finally {
    await writeAudit(deps, { ...action, actor, status, atMs: Date.now() });
  }
}

/** Writes one row; a row that cannot be written is logged and counted, and the action's answer stands. */
export async function writeAudit(deps: HttpDeps, event: AuditEvent): Promise<void> {
  await deps.audit.record(event).catch((error: unknown) => {
    deps.metrics.auditFailuresTotal.inc();
    deps.log.error("audit_write_failed", { action: event.action, target: event.target, actor: event.actor, error: String(error) });
  });
}
