/** Small builders shared by the actor tests: wire JSON in, validated messages and decisions out. */
import { newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyMessage, type ApplyContext, type Decision } from "../../src/domain/account/applyMessage.ts";
import { alertThresholdsFor } from "../../src/domain/account/highValueAlert.ts";
import type { BankMessage } from "../../src/domain/account/messages.ts";
import { validateMessage } from "../../src/domain/account/validateMessage.ts";

export type Wire = Record<string, unknown>;

let sequence = 0;
const nextId = (prefix: string) => `${prefix}-${++sequence}`;

/** An EOD_BALANCE wire message (USD 1000.00 closing 2026-11-21) with fresh ids. */
export function eod(overrides: Wire = {}): Wire {
  return {
    type: "EOD_BALANCE", messageId: nextId("eod"), accountId: "123", facilityId: "456",
    balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z",
    ...overrides,
  };
}

/** A TRANSACTION_CREATED wire message (USD -50.00 booked 2026-11-22) with fresh ids. */
export function txn(overrides: Wire = {}): Wire {
  return {
    type: "TRANSACTION", messageId: nextId("txn"), accountId: "123", eventType: "TRANSACTION_CREATED",
    transactionId: nextId("t"), amount: "-50.00", currency: "USD", bookingDate: "2026-11-22",
    timestamp: "2026-11-22T09:30:00Z",
    ...overrides,
  };
}

export const NOW_MS = Date.UTC(2026, 10, 22, 9, 30, 0, 120);
export const FACILITY_MINOR = 500_000; // 5000.00

export function ctx(overrides: Partial<ApplyContext> = {}): ApplyContext {
  return { nowMs: NOW_MS, alertThresholds: alertThresholdsFor("10000.00")!, facilityLimitMinor: FACILITY_MINOR, ...overrides };
}

export function valid(wire: Wire): BankMessage {
  const validated = validateMessage(wire);
  if (!validated.ok) throw new Error(`test message is invalid: ${validated.reason}`);
  return validated.message;
}

/** Validates and applies one wire message; fails the test on `needs_facility`. */
export function apply(state: AccountState, wire: Wire, context: ApplyContext = ctx()): Decision {
  const result = applyMessage(state, valid(wire), context);
  if (result.outcome === "needs_facility") throw new Error("unexpected needs_facility");
  return result;
}

/** A fresh account after applying `wires` in order, each of which must apply. */
export function account(...wires: Wire[]): AccountState {
  const state = newAccountState("123");
  for (const wire of wires) {
    const decision = apply(state, wire);
    if (decision.outcome !== "applied") throw new Error(`setup message not applied: ${decision.outcome} ${decision.reason ?? ""}`);
  }
  return state;
}

export function currentMinor(state: AccountState): number {
  return (state.eod?.balanceMinor ?? 0) + state.intradayTotalMinor;
}

export function effectKinds(decision: Decision): string[] {
  return decision.effects.map((effect) => effect.kind);
}
