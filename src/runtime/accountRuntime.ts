/**
 * The accounts' actors, by shard. A Kafka partition is a shard; the in-process bus picks the
 * shard Kafka's partitioner would pick. Each account's tasks run one at a time, in order.
 */
import { newAccountState, type AccountState } from "../domain/account/accountState.ts";
import { ownedString } from "../domain/ownedString.ts";
import { partitionForKey } from "./partitionForKey.ts";
import type { ShardHost } from "./ports.ts";
import { Shard, type Task } from "./shard.ts";

export class AccountRuntime implements ShardHost {
  private readonly shards = new Map<number, Shard<AccountState>>();

  /** `now` stamps each account created from nothing with its origin (see AccountState.originMs). */
  constructor(readonly shardCount: number, private readonly now: () => number = Date.now) {}

  /** The shard Kafka's default partitioner puts the account on. */
  homeShardOf(accountId: string): number {
    return partitionForKey(accountId, this.shardCount);
  }

  run<R>(shardId: number, accountId: string, task: Task<AccountState, R>): R | Promise<R> {
    return this.shard(shardId).run(accountId, task);
  }

  stateOf(accountId: string): AccountState | undefined {
    const home = this.shards.get(this.homeShardOf(accountId))?.states.get(accountId);
    if (home !== undefined) return home;
    // A producer with another partitioner may have put the account on another shard.
    for (const shard of this.shards.values()) {
      const state = shard.states.get(accountId);
      if (state !== undefined) return state;
    }
    return undefined;
  }

  /** Every account held here, with its shard. */
  *accounts(): Generator<[shardId: number, state: AccountState]> {
    for (const [shardId, shard] of this.shards) for (const state of shard.states.values()) yield [shardId, state];
  }

  accountCount(): number {
    let count = 0;
    for (const shard of this.shards.values()) count += shard.states.size;
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

  statesOf(shardId: number): ReadonlyMap<string, AccountState> {
    return this.shards.get(shardId)?.states ?? new Map();
  }

  /**
   * Replaces a shard with recovered accounts. A task still waiting on the old shard finishes on
   * the old, now orphaned state: the recovered one is the truth, and replay brings the rest.
   */
  load(shardId: number, states: Iterable<AccountState>): void {
    const shard = new Shard<AccountState>(newAccountState, ownedString);
    for (const state of states) shard.states.set(state.accountId, state);
    this.shards.set(shardId, shard);
  }

  drop(shardId: number): void {
    this.shards.delete(shardId);
  }

  private shard(shardId: number): Shard<AccountState> {
    let shard = this.shards.get(shardId);
    if (shard === undefined) {
      shard = new Shard((accountId) => newAccountState(accountId, this.now()), ownedString);
      this.shards.set(shardId, shard);
    }
    return shard;
  }
}
