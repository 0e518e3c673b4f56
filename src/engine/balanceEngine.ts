/**
 * The engine: routes each inbound message to its account's actor, runs the transition, and
 * carries out the effects (push, DLQ, metrics). Accounts live in shards; a Kafka partition is a
 * shard, and the in-process bus picks the shard Kafka's partitioner would pick.
 */
import { newAccountState, type AccountState } from "../actors/accountState.ts";
import { applyFacilityLimit, type FacilityChangeOutcome } from "../actors/applyFacilityLimit.ts";
import { applyMessage, type Decision, type Effect } from "../actors/applyMessage.ts";
import { balanceViewOf, type BalanceView } from "../actors/balanceView.ts";
import type { AlertThresholds } from "../actors/highValueAlert.ts";
import type { BankMessage } from "../actors/messages.ts";
import { ownedString } from "../actors/ownedString.ts";
import { partitionForKey } from "../actors/partitionForKey.ts";
import type { DeadLetterReason, Outcome } from "../actors/reasons.ts";
import { validateMessage, validateText } from "../actors/validateMessage.ts";
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { SourceRef } from "./deadLetter.ts";
import { FacilityCache } from "./facilityCache.ts";
import type { EngineOutputs, Facility, FacilityStore } from "./ports.ts";
import { Shard } from "./shard.ts";

export interface EngineOptions {
  readonly shardCount: number;
  readonly alertThresholds: AlertThresholds;
  readonly facilityCacheTtlMs: number;
  readonly facilityCacheEntriesMax: number;
  readonly facilities: FacilityStore;
  readonly outputs: EngineOutputs;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
}

/** A message as it arrived: raw text (a Kafka record value) or a parsed JSON value (HTTP). */
export interface Inbound {
  readonly text?: string;
  readonly value?: unknown;
  readonly source: SourceRef;
  /** The Kafka partition it came from; computed from the account id when absent. */
  readonly shard?: number;
}

export interface MessageResult {
  messageId?: string;
  outcome: Outcome;
  reason?: DeadLetterReason;
  warning?: "facility_not_found";
}

type ActorMessage =
  | { readonly kind: "bank"; readonly message: BankMessage; readonly inbound: Inbound }
  | { readonly kind: "facility"; readonly facility: Facility };

type ActorResult = MessageResult | FacilityChangeOutcome;

const FACILITY_RETRY_MS_MIN = 100;
const FACILITY_RETRY_MS_MAX = 5000;

export class BalanceEngine {
  private readonly shards = new Map<number, Shard<AccountState, ActorMessage, ActorResult>>();
  private readonly facilityCache: FacilityCache;
  private readonly now: () => number;
  private readonly counters = new Map<string, { inc(): void }>();

  constructor(private readonly options: EngineOptions) {
    this.now = options.now ?? Date.now;
    this.facilityCache = new FacilityCache(
      options.facilities, options.facilityCacheTtlMs, options.facilityCacheEntriesMax, this.now,
    );
    options.metrics.sources.accountCount = () => this.accountCount();
  }

  /** Validates and applies one message. Synchronous unless its actor waits on a lookup. */
  ingest(inbound: Inbound): MessageResult | Promise<MessageResult> {
    const startedAt = performance.now();
    const validated = inbound.text !== undefined ? validateText(inbound.text) : validateMessage(inbound.value);
    if (!validated.ok) {
      this.options.metrics.messagesInvalidTotal.inc({ reason: validated.reason });
      this.deadLetter(validated.reason, validated.messageId, inbound);
      const result: MessageResult = { outcome: "dead_lettered", reason: validated.reason };
      if (validated.messageId !== undefined) result.messageId = validated.messageId;
      this.options.outputs.messageProcessed?.({
        atMs: this.now(), source: inbound.source, outcome: "dead_lettered", reason: validated.reason,
        messageId: validated.messageId, accountId: validated.accountId,
      });
      return this.finish(result, topicOf(inbound, undefined), startedAt);
    }
    const message = validated.message;
    const shard = this.shard(inbound.shard ?? partitionForKey(message.accountId, this.options.shardCount));
    const result = shard.deliver(message.accountId, { kind: "bank", message, inbound });
    const topic = topicOf(inbound, message);
    const done = (r: MessageResult) => {
      this.options.outputs.messageProcessed?.({
        atMs: this.now(), source: inbound.source, outcome: r.outcome, reason: r.reason,
        message, messageId: message.messageId, accountId: message.accountId,
      });
      return this.finish(r, topic, startedAt);
    };
    return result instanceof Promise ? result.then((r) => done(r as MessageResult)) : done(result as MessageResult);
  }

  /** Ingests messages in order; resolves to one result per message, in input order. */
  ingestAll(inbounds: readonly Inbound[]): MessageResult[] | Promise<MessageResult[]> {
    const results = inbounds.map((inbound) => this.ingest(inbound));
    return results.some((r) => r instanceof Promise) ? Promise.all(results) : (results as MessageResult[]);
  }

  balanceOf(accountId: string): BalanceView | null {
    const state = this.stateOf(accountId);
    return state === undefined ? null : balanceViewOf(state);
  }

  stateOf(accountId: string): AccountState | undefined {
    const home = this.shards.get(partitionForKey(accountId, this.options.shardCount))?.states.get(accountId);
    if (home !== undefined) return home;
    // A producer with another partitioner may have put the account on another shard.
    for (const shard of this.shards.values()) {
      const state = shard.states.get(accountId);
      if (state !== undefined) return state;
    }
    return undefined;
  }

  /** Stores a facility limit and applies it at once to every account that uses it. */
  async setFacilityLimit(facility: Facility): Promise<number> {
    await this.options.facilities.upsert(facility);
    this.facilityCache.remember(facility.facilityId, facility);
    const changes: (ActorResult | Promise<ActorResult>)[] = [];
    for (const shard of this.shards.values()) {
      for (const [accountId, state] of shard.states) {
        if (state.eod?.facilityId !== facility.facilityId) continue;
        changes.push(shard.deliver(accountId, { kind: "facility", facility }));
      }
    }
    const outcomes = await Promise.all(changes);
    return outcomes.filter((outcome) => outcome === "applied").length;
  }

  accountCount(): number {
    let count = 0;
    for (const shard of this.shards.values()) count += shard.states.size;
    return count;
  }

  /** True when every message delivered to the shard is fully applied (a consistent point to snapshot). */
  isShardIdle(shardId: number): boolean {
    return this.shards.get(shardId)?.isIdle ?? true;
  }

  /** The accounts of a shard, for a snapshot. */
  shardStates(shardId: number): ReadonlyMap<string, AccountState> {
    return this.shards.get(shardId)?.states ?? new Map();
  }

  /** Replaces a shard's accounts with recovered ones (on partition assignment). */
  loadShard(shardId: number, states: Iterable<AccountState>): void {
    const shard = this.shard(shardId);
    if (!shard.isIdle) throw new Error(`invariant: shard ${shardId} is loaded while busy`);
    shard.states.clear();
    for (const state of states) shard.states.set(state.accountId, state);
  }

  /** Forgets a shard whose partition went to another instance. */
  dropShard(shardId: number): void {
    this.shards.delete(shardId);
  }

  queuedTotal(): number {
    let total = 0;
    for (const shard of this.shards.values()) total += shard.queuedCount;
    return total;
  }

  private shard(id: number): Shard<AccountState, ActorMessage, ActorResult> {
    let shard = this.shards.get(id);
    if (shard === undefined) {
      const shardId = id;
      shard = new Shard(newAccountState, (state, message) => this.handle(state, message, shardId), ownedString);
      this.shards.set(id, shard);
    }
    return shard;
  }

  /** The actor's handler: runs in order per account, never concurrently with itself. */
  private handle(state: AccountState, message: ActorMessage, shardId: number): ActorResult | Promise<ActorResult> {
    if (message.kind === "facility") return this.changeFacility(state, message.facility, shardId);
    const context = { nowMs: this.now(), alertThresholds: this.options.alertThresholds };
    const first = applyMessage(state, message.message, context);
    if (first.outcome !== "needs_facility") return this.carryOut(state, message, first, shardId);
    const decideWith = (facility: Facility | null) => {
      const limit = facility !== null && facility.currency === message.message.currency ? facility.limitMinor : null;
      this.options.metrics.facilityLookupsTotal.inc({ result: limit === null ? "not_found" : "found" });
      const decision = applyMessage(state, message.message, { ...context, facilityLimitMinor: limit });
      return this.carryOut(state, message, decision as Decision, shardId);
    };
    const facility = this.facilityCache.get(first.facilityId);
    return facility instanceof Promise ? this.retryLookup(first.facilityId, facility).then(decideWith) : decideWith(facility);
  }

  /**
   * The facility table unreachable is an outage, not a missing facility: retry with backoff while
   * this account's later messages wait in its mailbox (the source backs off); others go on.
   */
  private async retryLookup(facilityId: string, first: Promise<Facility | null>): Promise<Facility | null> {
    let lookup = first;
    for (let backoffMs = FACILITY_RETRY_MS_MIN; ; backoffMs = Math.min(backoffMs * 2, FACILITY_RETRY_MS_MAX)) {
      try {
        return await lookup;
      } catch (error) {
        this.options.metrics.facilityLookupsTotal.inc({ result: "error" });
        this.options.log.warn("facility_lookup_failed", { facilityId, error: String(error), retryInMs: backoffMs });
        await Bun.sleep(backoffMs);
        lookup = Promise.resolve(this.facilityCache.get(facilityId));
      }
    }
  }

  private carryOut(
    state: AccountState, message: ActorMessage & { kind: "bank" }, decision: Decision, shardId: number,
  ): MessageResult {
    for (const effect of decision.effects) this.carryOutEffect(state, message, effect, shardId);
    const result: MessageResult = { messageId: message.message.messageId, outcome: decision.outcome };
    if (decision.reason !== undefined) result.reason = decision.reason;
    if (decision.warning !== undefined) result.warning = decision.warning;
    return result;
  }

  private carryOutEffect(state: AccountState, message: ActorMessage & { kind: "bank" }, effect: Effect, shardId: number): void {
    const { metrics, outputs, log } = this.options;
    switch (effect.kind) {
      case "balance_changed":
        return outputs.balanceChanged(state, shardId);
      case "dead_letter":
        return this.deadLetter(effect.reason, message.message.messageId, message.inbound);
      case "alert":
        metrics.alertsTotal.inc();
        return outputs.alertRaised(effect.alert);
      case "eod_fix":
        return metrics.eodFixesTotal.inc();
      case "eod_mismatch":
        metrics.eodMismatchTotal.inc();
        return log.warn("eod_mismatch", {
          accountId: state.accountId, messageId: message.message.messageId,
          engineCloseMinor: effect.engineCloseMinor, eodBalanceMinor: effect.eodBalanceMinor,
        });
    }
  }

  private changeFacility(state: AccountState, facility: Facility, shardId: number): FacilityChangeOutcome {
    if (state.currency !== facility.currency) return "not_using_facility";
    const outcome = applyFacilityLimit(state, facility.facilityId, facility.limitMinor, this.now());
    if (outcome === "applied") this.options.outputs.balanceChanged(state, shardId);
    if (outcome === "out_of_range") {
      this.options.log.error("facility_limit_out_of_range", { accountId: state.accountId, facilityId: facility.facilityId });
    }
    return outcome;
  }

  private deadLetter(reason: DeadLetterReason, messageId: string | undefined, inbound: Inbound): void {
    this.options.metrics.dlqTotal.inc({ reason });
    const payload = inbound.text ?? JSON.stringify(inbound.value) ?? "null";
    const letter = { reason, source: inbound.source, at: new Date(this.now()).toISOString(), payload };
    this.options.outputs.deadLettered(messageId === undefined ? letter : { messageId, ...letter });
  }

  private finish(result: MessageResult, topic: string, startedAt: number): MessageResult {
    this.options.metrics.applyDurationSeconds.observe((performance.now() - startedAt) / 1000);
    this.counter(topic, result.outcome).inc();
    return result;
  }

  /** Label lookups cost more than the increment; keep one child per (topic, outcome). */
  private counter(topic: string, outcome: Outcome): { inc(): void } {
    const key = `${topic}|${outcome}`;
    let child = this.counters.get(key);
    if (child === undefined) {
      child = this.options.metrics.messagesTotal.labels(topic, outcome);
      this.counters.set(key, child);
    }
    return child;
  }
}

function topicOf(inbound: Inbound, message: BankMessage | undefined): string {
  if (inbound.source.kind === "kafka") return inbound.source.topic;
  if (message === undefined) return "unknown";
  return message.type === "EOD_BALANCE" ? "bank.balances.eod" : "bank.transactions";
}
