/** The risk history of an account's first transfer: scored against the shared empty one, which nothing writes. */
import { describe, expect, test } from "bun:test";
import { accountFiguresOf } from "../../src/domain/account/accountFigures.ts";
import { applyTransfer } from "../../src/domain/transfer/applyTransfer.ts";
import { authorizeTransfer } from "../../src/domain/transfer/authorizeTransfer.ts";
import { newRiskHistory, NO_RISK_HISTORY } from "../../src/domain/transfer/riskHistory.ts";
import { riskScoreOf } from "../../src/domain/transfer/riskModel.ts";
import { idempotencyScopeOf } from "../../src/domain/transfer/transfer.ts";
import { account, eod, NOW_MS } from "./builders.ts";

const request = (n: number) => ({
  transferId: `tr-${n}`, fromAccountId: "123", toAccountId: "payee-1", amountMinor: 25_000, currency: "USD",
  reference: null, idempotencyScope: idempotencyScopeOf("app", `k-${n}`), requestFingerprint: String(n),
});

describe("an account's risk history", () => {
  test("the first transfer is scored as against an empty history of its own", () => {
    const state = account(eod({ balance: "1000.00" }));
    const availableMinor = accountFiguresOf(state)!.availableMinor!;
    const decided = authorizeTransfer(state, request(1), { nowMs: NOW_MS, destinationCurrency: "USD" });
    if (decided.kind !== "decided") throw new Error(`not decided: ${JSON.stringify(decided)}`);
    const expected = riskScoreOf(newRiskHistory(), { amountMinor: 25_000, availableMinor, toAccountId: "payee-1", nowMs: NOW_MS });
    expect(decided.transfer.riskScore).toBe(expected.score);
    expect(decided.transfer.riskFactors).toEqual(expected.factors);
  });

  test("applying the first transfer gives the account a history of its own and leaves the shared empty one empty", () => {
    const state = account(eod({ balance: "1000.00" }));
    expect(state.risk).toBeNull();
    const decided = authorizeTransfer(state, request(1), { nowMs: NOW_MS, destinationCurrency: "USD" });
    if (decided.kind !== "decided") throw new Error(`not decided: ${JSON.stringify(decided)}`);
    applyTransfer(state, decided.transfer, NOW_MS);
    expect(state.risk).not.toBe(NO_RISK_HISTORY);
    expect(state.risk!.counterparties.get("payee-1")).toBe(NOW_MS);
    expect(NO_RISK_HISTORY.hours.size).toBe(0);
    expect(NO_RISK_HISTORY.counterparties.size).toBe(0);
  });
});
