/**
 * A transfer's authorization, in its source account's actor (contract section 7): the
 * idempotency key first, then the accounts, the currency, the funds and the risk score. Pure and
 * without effect: it decides; `applyTransfer` records the decision once the caller has made it
 * durable (journaled), so a hold exists only when its transfer survives a crash.
 */
import { accountFiguresOf } from "../account/accountFigures.ts";
import type { AccountState } from "../account/accountState.ts";
import { NO_RISK_HISTORY } from "./riskHistory.ts";
import { riskScoreOf } from "./riskModel.ts";
import { isOpen, type Transfer, type TransferStatus } from "./transfer.ts";

/** Transfers an account keeps at most (open ones and those finished in the last 24 h). */
export const TRANSFERS_KEPT_MAX = 10_000;

/** What a request brings to its authorization: the transfer's own fields before any decision. */
export type TransferRequest = Pick<Transfer,
  "transferId" | "fromAccountId" | "toAccountId" | "amountMinor" | "currency" | "reference" | "idempotencyScope" | "requestFingerprint">;

export interface AuthorizeContext {
  readonly nowMs: number;
  /** The destination's currency; null when no such account is known (no EOD). */
  readonly destinationCurrency: string | null;
}

export type TransferRefusal = "account_not_found" | "currency_mismatch" | "insufficient_funds" | "idempotency_key_reused" | "too_many_transfers";

export type Authorization =
  | { readonly kind: "replay"; readonly transfer: Transfer }
  | { readonly kind: "refused"; readonly code: TransferRefusal }
  | { readonly kind: "decided"; readonly transfer: Transfer };

const refused = (code: TransferRefusal): Authorization => ({ kind: "refused", code });

export function authorizeTransfer(state: AccountState, request: TransferRequest, context: AuthorizeContext): Authorization {
  const knownId = state.transferKeys.get(request.idempotencyScope);
  const known = knownId === undefined ? undefined : state.transfers.get(knownId);
  if (known !== undefined) {
    return known.requestFingerprint === request.requestFingerprint ? { kind: "replay", transfer: known } : refused("idempotency_key_reused");
  }
  const figures = accountFiguresOf(state);
  if (figures === null || context.destinationCurrency === null) return refused("account_not_found");
  if (request.currency !== state.currency || request.currency !== context.destinationCurrency) return refused("currency_mismatch");
  // An unknown facility limit means an unknown available balance: nothing can be reserved against it.
  if (figures.availableMinor === null || figures.availableMinor < request.amountMinor) return refused("insufficient_funds");
  if (state.transfers.size >= TRANSFERS_KEPT_MAX && !hasFinished(state)) return refused("too_many_transfers");

  const risk = riskScoreOf(state.risk ?? NO_RISK_HISTORY, {
    amountMinor: request.amountMinor, availableMinor: figures.availableMinor, toAccountId: request.toAccountId, nowMs: context.nowMs,
  });
  const status: TransferStatus = risk.decision === "DENY" ? "REJECTED" : risk.decision === "REQUIRE_2FA" ? "PENDING_2FA" : "APPROVED";
  return {
    kind: "decided",
    transfer: {
      transferId: request.transferId, fromAccountId: request.fromAccountId, toAccountId: request.toAccountId,
      amountMinor: request.amountMinor, currency: request.currency, reference: request.reference,
      decision: risk.decision, riskScore: risk.score, riskFactors: risk.factors, firstStatus: status, status,
      createdAtMs: context.nowMs, updatedAtMs: context.nowMs,
      idempotencyScope: request.idempotencyScope, requestFingerprint: request.requestFingerprint,
    },
  };
}

function hasFinished(state: AccountState): boolean {
  for (const transfer of state.transfers.values()) if (!isOpen(transfer.status)) return true;
  return false;
}
