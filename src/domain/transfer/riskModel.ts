/**
 * The risk score of a transfer, in [0, 1]: a weighted sum of five features, each in [0, 1],
 * computed in the source account's actor from its own history. Deterministic: the same
 * history, amount and time give the same score, and `riskFactors` lists each feature's value and
 * weight (score = Σ value × weight, rounded to 4 places).
 *
 * | factor            | value                                                         | weight |
 * |-------------------|---------------------------------------------------------------|--------|
 * | available_share   | amount ÷ available balance (1 when it takes it all)          | 0.35   |
 * | amount_deviation  | (amount ÷ the 7-day mean transfer − 1) ÷ 9, in [0, 1]; 0 with no history | 0.25 |
 * | new_counterparty  | 1 when the destination was not paid in 7 days                | 0.15   |
 * | count_1h          | transfers in the last hour ÷ 10, at most 1                   | 0.15   |
 * | count_24h         | transfers in the last 24 hours ÷ 50, at most 1               | 0.10   |
 *
 * Above 0.85 the transfer is denied; above 0.60 it needs 2FA; else it is approved.
 */
import { paidWithin7Days, windowOf, type RiskHistoryView } from "./riskHistory.ts";
import type { TransferDecision } from "./transfer.ts";

export interface RiskFactor {
  readonly name: string;
  readonly value: number;
  readonly weight: number;
}

export const RISK_WEIGHTS = {
  available_share: 0.35,
  amount_deviation: 0.25,
  new_counterparty: 0.15,
  count_1h: 0.15,
  count_24h: 0.1,
} as const;

export const DENY_ABOVE = 0.85;
export const REQUIRE_2FA_ABOVE = 0.6;

export interface RiskInput {
  readonly amountMinor: number;
  /** The source's available balance before the transfer (> 0: the funds check passed). */
  readonly availableMinor: number;
  readonly toAccountId: string;
  readonly nowMs: number;
}

export interface RiskScore {
  readonly score: number;
  readonly factors: readonly RiskFactor[];
  readonly decision: TransferDecision;
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;
const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

export function riskScoreOf(history: RiskHistoryView, input: RiskInput): RiskScore {
  const week = windowOf(history, input.nowMs, 7 * 24);
  const values: Record<keyof typeof RISK_WEIGHTS, number> = {
    available_share: clamp01(input.amountMinor / input.availableMinor),
    amount_deviation: week.count === 0 ? 0 : clamp01((input.amountMinor / (week.sumMinor / week.count) - 1) / 9),
    new_counterparty: paidWithin7Days(history, input.toAccountId, input.nowMs) ? 0 : 1,
    count_1h: clamp01(windowOf(history, input.nowMs, 1).count / 10),
    count_24h: clamp01(windowOf(history, input.nowMs, 24).count / 50),
  };
  const factors = Object.entries(RISK_WEIGHTS).map(([name, weight]) => ({ name, value: round4(values[name as keyof typeof RISK_WEIGHTS]), weight }));
  const score = round4(factors.reduce((sum, factor) => sum + factor.value * factor.weight, 0));
  return { score, factors, decision: score > DENY_ABOVE ? "DENY" : score > REQUIRE_2FA_ABOVE ? "REQUIRE_2FA" : "APPROVE" };
}
