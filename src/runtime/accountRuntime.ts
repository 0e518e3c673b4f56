/**
 * The accounts' actors, by shard. A Kafka partition is a shard; the in-process bus picks the
 * shard Kafka's partitioner would pick. Each account's tasks run one at a time, in order.
 * Recovered accounts may be dormant (dormantAccounts.ts): a task or a read wakes them; the
 * listings say whether they include them.
 */
import { newAccountState, type AccountState } from "../domain/account/accountState.ts";
import { ownedString } from "../domain/ownedString.ts";
import { accountRowOf } from "./accountRow.ts";
import type { DormantAccountCodec } from "./dormantAccounts.ts";
import { partitionForKey } from "./partitionForKey.ts";
import type { AccountRow, ShardHost } from "./ports.ts";
import { Shard, type Task } from "./shard.ts";

export class AccountRuntime implements ShardHost {
  private readonly shards = new Map<number, Shard<AccountState>>();

  /**
   * `now` stamps each account created from nothing with its origin (see AccountState.originMs);
   * `dormant` reads the accounts a recovery left encoded (none without it).
   */
  constructor(
    readonly shardCount: number,
    private readonly now: () => number = Date.now,
    private readonly dormant: DormantAccountCodec = NO_DORMANT_ACCOUNTS,
  ) {}

  /** The shard Kafka's default partitioner puts the account on. */
  homeShardOf(accountId: string): number {
    return partitionForKey(accountId, this.shardCount);
  }

  run<R>(shardId: number, accountId: string, task: Task<AccountState, R>): R | Promise<R> {
    return this.shard(shardId).run(accountId, task);
  }

  /** The account's state (woken if dormant), or undefined when it is not held here. */
  stateOf(accountId: string): AccountState | undefined {
    return this.shards.get(this.homeShardOf(accountId))?.find(accountId) ?? this.shardHolding(accountId)?.find(accountId);
  }

  /**
   * The account's row for the Postgres copy (null without an EOD; undefined when not held here),
   * read without waking it. Throws when a dormant account's text is not an account.
   */
  rowOf(accountId: string): AccountRow | null | undefined {
    const shard = this.shardHolding(accountId);
    const encoded = shard?.dormant.get(accountId);
    if (encoded !== undefined) return this.dormant.rowOf(accountId, encoded);
    const state = shard?.states.get(accountId);
    return state === undefined ? undefined : accountRowOf(state);
  }

  /** Whether the account is held here, without waking it. */
  holds(accountId: string): boolean {
    return this.shardHolding(accountId) !== undefined;
  }

  /**
   * Whether the account is still at `version`: a dormant account has not changed since it was
   * read (any change wakes it first).
   */
  isAt(accountId: string, version: number): boolean {
    const shard = this.shardHolding(accountId);
    if (shard === undefined) return false;
    return shard.dormant.has(accountId) || shard.states.get(accountId)?.version === version;
  }

  /**
   * Calls `visit` with every account in use (no dormant one): for a count over all of them, where
   * `awakeAccounts`' generator and tuples cost several times the loop (11–22 against 1.4–5.5 ms
   * over 100k accounts, two runs: bench/lib/awakeScanCost.ts).
   */
  forEachAwake(visit: (state: AccountState) => void): void {
    for (const shard of this.shards.values()) for (const state of shard.states.values()) visit(state);
  }

  /** The accounts in use (woken or created), with their shard: no dormant one. */
  *awakeAccounts(): Generator<[shardId: number, state: AccountState]> {
    for (const [shardId, shard] of this.shards) for (const state of shard.states.values()) yield [shardId, state];
  }

  /** The rows of every account held here that has an EOD, dormant ones read without waking them. */
  *rows(): Generator<AccountRow> {
    for (const [, state] of this.awakeAccounts()) {
      const row = accountRowOf(state);
      if (row !== null) yield row;
    }
    for (const shard of this.shards.values()) {
      for (const [accountId, encoded] of shard.dormant) {
        const row = this.dormant.rowOf(accountId, encoded);
        if (row !== null) yield row;
      }
    }
  }

  /** The accounts whose EOD uses the facility, dormant ones included (read without waking them). */
  *onFacility(facilityId: string): Generator<[shardId: number, accountId: string]> {
    for (const [shardId, state] of this.awakeAccounts()) if (state.eod?.facilityId === facilityId) yield [shardId, state.accountId];
    for (const [shardId, shard] of this.shards) {
      for (const [accountId, encoded] of shard.dormant) if (this.dormant.usesFacility(encoded, facilityId)) yield [shardId, accountId];
    }
  }

  accountCount(): number {
    let count = 0;
    for (const shard of this.shards.values()) count += shard.size;
    return count;
  }

  dormantCount(): number {
    let count = 0;
    for (const shard of this.shards.values()) count += shard.dormant.size;
    return count;
  }

  queuedTotal(): number {
    let total = 0;
    for (const shard of this.shards.values()) total += shard.queuedCount;
    return total;
  }

  queuedIn(shardId: number): number {
    return this.shards.get(shardId)?.queuedCount ?? 0;
  }

  /** The shard's accounts in use (no dormant one). */
  statesOf(shardId: number): ReadonlyMap<string, AccountState> {
    return this.shards.get(shardId)?.states ?? new Map();
  }

  /** The shard's dormant accounts: account id → the snapshot text they were recovered from. */
  dormantOf(shardId: number): ReadonlyMap<string, string> {
    return this.shards.get(shardId)?.dormant ?? new Map();
  }

  /**
   * Replaces a shard with recovered accounts, decoded (`states`) or dormant (account id → text).
   * A task still waiting on the old shard finishes on the old, now orphaned state: the recovered
   * one is the truth, and replay brings the rest.
   */
  load(shardId: number, states: Iterable<AccountState>, dormant: Map<string, string> = new Map()): void {
    const shard = this.newShard(dormant);
    for (const state of states) shard.states.set(state.accountId, state);
    this.shards.set(shardId, shard);
  }

  drop(shardId: number): void {
    this.shards.delete(shardId);
  }

  /** The shard holding the account (its home shard first: another partitioner may have put it elsewhere). */
  private shardHolding(accountId: string): Shard<AccountState> | undefined {
    const home = this.shards.get(this.homeShardOf(accountId));
    if (home?.has(accountId)) return home;
    for (const shard of this.shards.values()) if (shard.has(accountId)) return shard;
    return undefined;
  }

  /** A dormant account decoded; its text must be of the account it is filed under. */
  private wake(accountId: string, encoded: string): AccountState {
    const state = this.dormant.decode(encoded);
    if (state.accountId !== accountId) throw new Error(`a dormant account ${accountId} holds the state of ${state.accountId}`);
    return state;
  }

  private shard(shardId: number): Shard<AccountState> {
    let shard = this.shards.get(shardId);
    if (shard === undefined) {
      shard = this.newShard(new Map());
      this.shards.set(shardId, shard);
    }
    return shard;
  }

  /** A shard whose new accounts start now (their origin), recovered or not. */
  private newShard(dormant: Map<string, string>): Shard<AccountState> {
    return new Shard((accountId) => newAccountState(accountId, this.now()), ownedString, dormant, (accountId, encoded) => this.wake(accountId, encoded));
  }
}

const NO_DORMANT_ACCOUNTS: DormantAccountCodec = {
  decode: () => {
    throw new Error("invariant: a dormant account with no codec to read it");
  },
  usesFacility: () => false,
  rowOf: () => {
    throw new Error("invariant: a dormant account with no codec to read it");
  },
};
