/**
 * Carries out what a transition decided: balance pushes, dead letters, alerts and the EOD
 * metrics go to the outputs (ports). Called inside the actor, on the hot path: never blocks.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import type { Decision, Effect } from "../domain/account/applyMessage.ts";
import { balancePointOf } from "../domain/account/balancePoint.ts";
import { isInvalidReason, type DeadLetterReason } from "../domain/reasons.ts";
import { minorDigitsOf } from "../domain/currency.ts";
import { formatAmount } from "../domain/money.ts";
import type { Logger } from "../observability/log.ts";
import { deadLetterOf } from "./deadLetterOf.ts";
import type { Inbound } from "./inbound.ts";
import type { EngineOutputs } from "./ports.ts";

export interface EffectMetrics {
  dlqTotal: { inc(labels: { reason: string }): void };
  messagesInvalidTotal: { inc(labels: { reason: string }): void };
  alertsTotal: { inc(): void };
  eodFixesTotal: { inc(): void };
  eodMismatchTotal: { inc(): void };
}

export class EffectRunner {
  constructor(
    private readonly outputs: EngineOutputs,
    private readonly metrics: EffectMetrics,
    private readonly log: Logger,
    private readonly now: () => number,
    /** A message changed a transfer (the ledger's debit leg posted it): push it, feed what follows. */
    private readonly transferChanged: (state: AccountState, transferId: string) => void = () => {},
  ) {}

  carryOut(state: AccountState, shardId: number, messageId: string, inbound: Inbound, decision: Decision): void {
    for (const effect of decision.effects) this.carryOutOne(state, shardId, messageId, inbound, effect);
  }

  deadLetter(reason: DeadLetterReason, messageId: string | undefined, inbound: Inbound, detail?: string): void {
    this.metrics.dlqTotal.inc({ reason });
    this.outputs.deadLettered(deadLetterOf(reason, messageId, inbound, this.now(), detail));
  }

  /** An account changed outside a message (a facility change): pushed, and its figures logged. */
  facilityLimitApplied(state: AccountState, shardId: number, facilityId: string): void {
    this.outputs.balanceChanged(state, shardId);
    this.outputs.facilityLimitApplied?.({ kind: "facility_limit", atMs: this.now(), facilityId, balance: balancePointOf(state) });
  }

  private carryOutOne(state: AccountState, shardId: number, messageId: string, inbound: Inbound, effect: Effect): void {
    switch (effect.kind) {
      case "balance_changed":
        return this.outputs.balanceChanged(state, shardId);
      case "dead_letter":
        // Rule 1 checks the transition makes (they need the account) count as invalid too;
        // validation's own failures are counted by ingest, which dead-letters them directly.
        if (isInvalidReason(effect.reason)) this.metrics.messagesInvalidTotal.inc({ reason: effect.reason });
        return this.deadLetter(effect.reason, messageId, inbound);
      case "alert":
        this.metrics.alertsTotal.inc();
        return this.outputs.alertRaised(effect.alert);
      case "eod_fix":
        return this.metrics.eodFixesTotal.inc();
      case "transfer_changed":
        return this.transferChanged(state, effect.transferId);
      case "eod_mismatch":
        this.metrics.eodMismatchTotal.inc();
        return this.log.warn("eod_mismatch", {
          accountId: state.accountId, messageId, currency: state.currency,
          engineClose: amountText(effect.engineCloseMinor, state.currency), eodBalance: amountText(effect.eodBalanceMinor, state.currency),
        });
    }
  }
}

/** Amounts in logs are decimal strings, as on the wire (null: out of range, or no currency yet). */
function amountText(minor: number | null, currency: string | null): string | null {
  const digits = currency === null ? undefined : minorDigitsOf(currency);
  return minor === null || digits === undefined ? null : formatAmount(minor, digits);
}
