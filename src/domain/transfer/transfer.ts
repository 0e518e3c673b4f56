/**
 * A transfer as its source account's actor keeps it (contract section 7). `APPROVED` and
 * `PENDING_2FA` are open: they hold funds on the source. Every other status is final.
 */
import type { RiskFactor } from "./riskModel.ts";

export const TRANSFER_STATUSES = ["APPROVED", "PENDING_2FA", "REJECTED", "EXPIRED", "POSTED", "FAILED"] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

export const TRANSFER_DECISIONS = ["APPROVE", "REQUIRE_2FA", "DENY"] as const;
export type TransferDecision = (typeof TRANSFER_DECISIONS)[number];

export interface Transfer {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reference: string | null;
  readonly decision: TransferDecision;
  readonly riskScore: number;
  readonly riskFactors: readonly RiskFactor[];
  /** The status the decision gave: an idempotent replay answers with it, whatever came after. */
  readonly firstStatus: TransferStatus;
  status: TransferStatus;
  readonly createdAtMs: number;
  updatedAtMs: number;
  /** The caller's name and its Idempotency-Key, as one string: keys are scoped to the caller. */
  readonly idempotencyScope: string;
  /** A digest of the request's body: the same key with another body is refused. */
  readonly requestFingerprint: string;
}

export function isOpen(status: TransferStatus): boolean {
  return status === "APPROVED" || status === "PENDING_2FA";
}

/** The one way a caller and a key become a scope (JSON: no separator can be forged). */
export function idempotencyScopeOf(caller: string, key: string): string {
  return JSON.stringify([caller, key]);
}

/** The status changes the contract allows; any other is refused (or, replayed, ignored). */
const NEXT: Readonly<Record<TransferStatus, readonly TransferStatus[]>> = {
  PENDING_2FA: ["APPROVED", "REJECTED", "EXPIRED"],
  APPROVED: ["POSTED", "FAILED"],
  REJECTED: [],
  EXPIRED: [],
  POSTED: [],
  FAILED: [],
};

export function canChange(from: TransferStatus, to: TransferStatus): boolean {
  return NEXT[from].includes(to);
}

/** No status follows it: the transfer's story is over (a stream of its changes may end). */
export function isFinal(status: TransferStatus): boolean {
  return NEXT[status].length === 0;
}
