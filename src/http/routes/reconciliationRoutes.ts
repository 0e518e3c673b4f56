/**
 * GET /v1/admin/reconciliation — the last pass of the engine against datalake.account: every drift with both figures.
 * (TypeBox's Integer, not Elysia's t.Integer, whose numeric-string union Spectral refuses in a response.)
 */
import { scoped, securityOf } from "../auth/routeScope.ts";
import { ErrorResponse } from "../schemas.ts";
import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { minorDigitsOf } from "../../domain/currency.ts";
import { formatAmount } from "../../domain/money.ts";
import type { AccountRow, ReconciliationReport } from "../../runtime/ports.ts";
import type { HttpDeps } from "../httpDeps.ts";

const FiguresBody = t.Object({
  currentBalance: t.String({ examples: ["1150.00"] }),
  availableBalance: t.Union([t.String(), t.Null()]),
  eodDate: t.String(),
  version: Type.Integer(),
  updatedAt: t.String(),
});

const ReconciliationBody = t.Object({
  checkedAt: t.Union([t.String(), t.Null()], { description: "When the last full pass ended; null before the first" }),
  accountsChecked: Type.Integer({ minimum: 0, description: "Accounts of this instance whose last change is past the sync delay" }),
  driftAccounts: Type.Integer({ minimum: 0, description: "Of them, those whose row disagrees (the reconciliation_drift_accounts gauge)" }),
  copyUnavailable: t.Boolean({ description: "datalake.account could not be read in the last attempt; the figures are of the pass before" }),
  drifts: t.Array(t.Object({
    accountId: t.String(), currency: t.String(),
    engine: FiguresBody,
    copy: t.Union([FiguresBody, t.Null()], { description: "null: datalake.account has no row for the account" }),
  }), { description: "At most 1000 of the drifts" }),
});

function figuresOf(row: AccountRow) {
  const digits = minorDigitsOf(row.currency)!;
  return {
    currentBalance: formatAmount(row.balanceMinor, digits),
    availableBalance: row.availableMinor === null ? null : formatAmount(row.availableMinor, digits),
    eodDate: row.eodDate, version: row.version, updatedAt: new Date(row.updatedAtMs).toISOString(),
  };
}

function bodyOf(report: ReconciliationReport) {
  return {
    checkedAt: report.checkedAtMs === null ? null : new Date(report.checkedAtMs).toISOString(),
    accountsChecked: report.accountsChecked, driftAccounts: report.driftAccounts, copyUnavailable: report.copyUnavailable,
    drifts: report.drifts.map(({ engine, copy }) => ({
      accountId: engine.accountId, currency: engine.currency, engine: figuresOf(engine), copy: copy === null ? null : figuresOf(copy),
    })),
  };
}

export function reconciliationRoutes(deps: HttpDeps) {
  return new Elysia().get("/v1/admin/reconciliation", () => bodyOf(deps.reconciliation.report()), {
    ...scoped(deps.access, "admin"),
    response: { 200: ReconciliationBody, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
    detail: {
      summary: "The engine against datalake.account: every drift with both figures",
      description: "From the last full pass (every RECONCILE_INTERVAL_MS). Only accounts whose last change is older than SYNC_MAX_DELAY_MS (plus 1 s for a write in flight) are compared. A drift: the row is missing, or its balance, available balance, EOD date, version or origin are not the engine's.",
      tags: ["admin"], security: securityOf("admin"),
    },
  });
}
