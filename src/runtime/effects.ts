/**
 * Carries out what a transition decided: balance pushes, dead letters, alerts and the EOD
 * metrics go to the outputs (ports). Called inside the actor, on the hot path: never blocks.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import type { Decision, Effect } from "../domain/account/applyMessage.ts";
import type { DeadLetterReason } from "../domain/reasons.ts";
import type { Logger } from "../observability/log.ts";
import { deadLetterOf } from "./deadLetterOf.ts";
import type { Inbound } from "./inbound.ts";
import type { EngineOutputs } from "./ports.ts";

export interface EffectMetrics {
  dlqTotal: { inc(labels: { reason: string }): void };
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
  ) {}

  carryOut(state: AccountState, shardId: number, messageId: string, inbound: Inbound, decision: Decision): void {
    for (const effect of decision.effects) this.carryOutOne(state, shardId, messageId, inbound, effect);
  }

  deadLetter(reason: DeadLetterReason, messageId: string | undefined, inbound: Inbound): void {
    this.metrics.dlqTotal.inc({ reason });
    this.outputs.deadLettered(deadLetterOf(reason, messageId, inbound, this.now()));
  }

  /** An account changed outside a message (a facility change). */
  balanceChanged(state: AccountState, shardId: number): void {
    this.outputs.balanceChanged(state, shardId);
  }

  private carryOutOne(state: AccountState, shardId: number, messageId: string, inbound: Inbound, effect: Effect): void {
    switch (effect.kind) {
      case "balance_changed":
        return this.outputs.balanceChanged(state, shardId);
      case "dead_letter":
        return this.deadLetter(effect.reason, messageId, inbound);
      case "alert":
        this.metrics.alertsTotal.inc();
        return this.outputs.alertRaised(effect.alert);
      case "eod_fix":
        return this.metrics.eodFixesTotal.inc();
      case "eod_mismatch":
        this.metrics.eodMismatchTotal.inc();
        return this.log.warn("eod_mismatch", {
          accountId: state.accountId, messageId,
          engineCloseMinor: effect.engineCloseMinor, eodBalanceMinor: effect.eodBalanceMinor,
        });
    }
  }
}
