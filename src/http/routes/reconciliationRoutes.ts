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
import type { TransferFigures } from "../../domain/ledger/ledgerDrift.ts";
import type { AccountRow, LedgerReconciliation, ReconciliationReport } from "../../runtime/ports.ts";
import type { HttpDeps } from "../httpDeps.ts";

const FiguresBody = t.Object({
  currentBalance: t.String({ examples: ["1150.00"] }),
  availableBalance: t.Union([t.String(), t.Null()]),
  eodDate: t.String(),
  version: Type.Integer(),
  updatedAt: t.String(),
});

const TransferFiguresBody = t.Object({
  status: t.String({ examples: ["POSTED"] }), fromAccountId: t.String(), toAccountId: t.String(), amount: t.String({ examples: ["50.00"] }), currency: t.String(),
});

const LedgerBody = t.Object({
  transfersChecked: Type.Integer({ minimum: 0, description: "Transfers of this instance (APPROVED, POSTED, FAILED) unchanged for RECONCILE_LEDGER_SETTLE_MS" }),
  driftTransfers: Type.Integer({ minimum: 0, description: "Of them, those the ledger disagrees on (the reconciliation_ledger_drift_transfers gauge)" }),
  unavailable: t.Boolean({ description: "ledger.transactions could not be read in the last attempt; the figures are of the pass before" }),
  drifts: t.Array(t.Object({
    transferId: t.String(), engine: TransferFiguresBody,
    ledger: t.Union([TransferFiguresBody, t.Null()], { description: "null: the ledger has no transaction for it" }),
  }), { description: "At most 1000: POSTED in the engine but not (or with other figures) in the ledger, or posted in the ledger but FAILED or still APPROVED in the engine" }),
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
  ledger: t.Union([LedgerBody, t.Null()], { description: "The engine's transfers against ledger.transactions; null when this engine has no ledger to read" }),
});

function transferFiguresOf({ amountMinor, ...figures }: TransferFigures) {
  return { ...figures, amount: formatAmount(amountMinor, minorDigitsOf(figures.currency) ?? 0) };
}

function ledgerBodyOf(ledger: LedgerReconciliation | null) {
  if (ledger === null) return null;
  return {
    transfersChecked: ledger.transfersChecked, driftTransfers: ledger.driftTransfers, unavailable: ledger.unavailable,
    drifts: ledger.drifts.map((drift) => ({
      transferId: drift.transferId, engine: transferFiguresOf(drift.engine), ledger: drift.ledger === null ? null : transferFiguresOf(drift.ledger),
    })),
  };
}

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
    ledger: ledgerBodyOf(report.ledger),
  };
}

export function reconciliationRoutes(deps: HttpDeps) {
  return new Elysia().get("/v1/admin/reconciliation", () => bodyOf(deps.reconciliation.report()), {
    ...scoped(deps.access, "admin"),
    response: { 200: ReconciliationBody, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
    detail: {
      summary: "The engine against datalake.account and the ledger: every drift with both figures",
      description: "From the last full pass (every RECONCILE_INTERVAL_MS). Only accounts whose last change is older than SYNC_MAX_DELAY_MS (plus 1 s for a write in flight) are compared. A drift: the row is missing, or its balance, available balance, EOD date, version or origin are not the engine's.",
      tags: ["admin"], security: securityOf("admin"),
    },
  });
}
