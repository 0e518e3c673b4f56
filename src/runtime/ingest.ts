/**
 * Ingest: one message's control flow, in the contract's order. Validate (rule 1), route to the
 * account's actor, run the transition there (rules 2–6, with the facility lookup it may ask for),
 * carry out the effects, and count the outcome. Every message ends in exactly one result.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import { balancePointOf, type BalancePoint } from "../domain/account/balancePoint.ts";
import { applyMessage, type ApplyContext, type Decision } from "../domain/account/applyMessage.ts";
import type { AlertThresholds } from "../domain/account/highValueAlert.ts";
import type { BankMessage } from "../domain/account/messages.ts";
import { validateMessage, validateText } from "../domain/account/validateMessage.ts";
import type { AccountRuntime } from "./accountRuntime.ts";
import type { EffectRunner } from "./effects.ts";
import type { FacilityAnswer, FacilityLookup } from "./facilityLookup.ts";
import type { Inbound, MessageResult } from "./inbound.ts";
import type { IngestMetrics } from "./ingestMetrics.ts";
import type { MessageIngest, ProcessedMessage } from "./ports.ts";

export interface IngestOptions {
  readonly runtime: AccountRuntime;
  readonly facilities: FacilityLookup;
  readonly effects: EffectRunner;
  readonly metrics: IngestMetrics;
  readonly alertThresholds: AlertThresholds;
  readonly messageProcessed?: (event: ProcessedMessage) => void;
  readonly now?: () => number;
}

/** What the actor's task hands back: the result, and the figures after an applied message (for the event log). */
interface Carried {
  readonly result: MessageResult;
  readonly balance?: BalancePoint;
}

export class Ingest implements MessageIngest {
  private readonly now: () => number;

  constructor(private readonly options: IngestOptions) {
    this.now = options.now ?? Date.now;
  }

  ingest(inbound: Inbound): MessageResult | Promise<MessageResult> {
    const startedAt = performance.now();
    const validated = inbound.text !== undefined ? validateText(inbound.text) : validateMessage(inbound.value);
    if (!validated.ok) {
      this.options.metrics.invalid(validated.reason);
      this.options.effects.deadLetter(validated.reason, validated.messageId, inbound, validated.detail);
      const result: MessageResult = { outcome: "dead_lettered", reason: validated.reason };
      if (validated.messageId !== undefined) result.messageId = validated.messageId;
      this.options.messageProcessed?.({
        atMs: this.now(), source: inbound.source, outcome: "dead_lettered", reason: validated.reason,
        messageId: validated.messageId, accountId: validated.accountId,
      });
      this.options.metrics.processed(topicOf(inbound, validated.type), result.outcome, startedAt);
      return result;
    }
    const message = validated.message;
    const { runtime } = this.options;
    const shardId = inbound.shard ?? runtime.homeShardOf(message.accountId);
    const result = runtime.run(shardId, message.accountId, (state) => this.decide(state, shardId, message, inbound));
    const done = (carried: Carried) => this.finish(carried, message, inbound, startedAt);
    return result instanceof Promise ? result.then(done) : done(result);
  }

  ingestAll(inbounds: readonly Inbound[]): MessageResult[] | Promise<MessageResult[]> {
    const results = inbounds.map((inbound) => this.ingest(inbound));
    return results.some((r) => r instanceof Promise) ? Promise.all(results) : (results as MessageResult[]);
  }

  queuedTotal(): number {
    return this.options.runtime.queuedTotal();
  }

  /** The actor's task: the transition, asking for the facility limit first when an EOD needs it. */
  private decide(state: AccountState, shardId: number, message: BankMessage, inbound: Inbound): Carried | Promise<Carried> {
    const context = { nowMs: this.now(), alertThresholds: this.options.alertThresholds };
    const first = applyMessage(state, message, context);
    if (first.outcome !== "needs_facility") return this.carryOut(state, shardId, message, inbound, first);
    const withLimit = (answer: FacilityAnswer) => {
      const decision = applyMessage(state, message, { ...context, ...facilityContextOf(answer) });
      if (decision.outcome === "needs_facility") throw new Error("invariant: an EOD given its limit asked for it again");
      return this.carryOut(state, shardId, message, inbound, decision);
    };
    const answer = this.options.facilities.limitFor(first.facilityId, message.currency);
    return answer instanceof Promise ? answer.then(withLimit) : withLimit(answer);
  }

  private carryOut(state: AccountState, shardId: number, message: BankMessage, inbound: Inbound, decision: Decision): Carried {
    this.options.effects.carryOut(state, shardId, message.messageId, inbound, decision);
    const result: MessageResult = { messageId: message.messageId, outcome: decision.outcome };
    if (decision.reason !== undefined) result.reason = decision.reason;
    if (decision.warning !== undefined) result.warning = decision.warning;
    // Copied inside the actor: the state changes in place with the account's next message.
    const logged = decision.outcome === "applied" && this.options.messageProcessed !== undefined;
    return logged ? { result, balance: balancePointOf(state) } : { result };
  }

  private finish({ result, balance }: Carried, message: BankMessage, inbound: Inbound, startedAt: number): MessageResult {
    this.options.messageProcessed?.({
      atMs: this.now(), source: inbound.source, outcome: result.outcome, reason: result.reason,
      message, messageId: message.messageId, accountId: message.accountId, balance,
    });
    this.options.metrics.processed(topicOf(inbound, message.type), result.outcome, startedAt);
    return result;
  }
}

function facilityContextOf(answer: FacilityAnswer): Pick<ApplyContext, "facilityLimitMinor" | "facilityMissing"> {
  if (answer.kind === "limit") return { facilityLimitMinor: answer.limitMinor };
  return { facilityLimitMinor: null, facilityMissing: answer.kind === "not_found" ? "facility_not_found" : "facility_unavailable" };
}

/** Kafka: the record's topic. HTTP and the simulator: the topic of the message's type, when it was readable. */
function topicOf(inbound: Inbound, type: BankMessage["type"] | undefined): string {
  if (inbound.source.kind === "kafka") return inbound.source.topic;
  if (type === undefined) return "unknown";
  return type === "EOD_BALANCE" ? "bank.balances.eod" : "bank.transactions";
}
