/**
 * Shard snapshots in Redis: the shard's accounts and the Kafka offsets they include, written
 * together by one Lua call, so a snapshot is never half old, half new. Writes are fenced: each
 * group join takes a fresh epoch (`{prefix}:epoch`, INCR: kafkajs does not expose the group
 * generation), a shard is claimed with it, and a write from an older claim (a "zombie" that lost
 * the partition without noticing) is refused.
 *
 * Keys per shard p: `{prefix}:{p}:owner` (hash: generation = epoch, instance), `{prefix}:{p}:accounts`
 * (hash: accountId → encoded state), `{prefix}:{p}:offsets` (JSON: topic → next offset).
 */
import type Redis from "ioredis";
import type { AccountState } from "../../domain/account/accountState.ts";
import type { ShardClaim, ShardSnapshot, SnapshotStore } from "../../runtime/ports.ts";
import { decodeAccount, encodeAccount, isDormantEncoding } from "./accountCodec.ts";
import type { NativeScriptRunner } from "./nativeScriptRunner.ts";

/** Accounts read per HSCAN page when a snapshot is loaded. */
const SCAN_PAGE_FIELDS = 2000;

/** Accounts written per HSET inside the script (Lua's unpack has a stack limit). */
const HSET_PAIRS_MAX = 1000;

const CLAIM = `
local generation = tonumber(redis.call('HGET', KEYS[1], 'generation') or '-1')
local instance = redis.call('HGET', KEYS[1], 'instance') or ''
if tonumber(ARGV[1]) <= generation then return {0, generation, instance} end
redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'instance', ARGV[2])
-- The epoch counter never falls below a claimed epoch, even after Redis lost its data.
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end
return {1, generation, instance}`;

const WRITE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'instance') ~= ARGV[2] then
  return 0
end
local step = ${HSET_PAIRS_MAX * 2}
for i = 4, #ARGV, step do
  redis.call('HSET', KEYS[2], unpack(ARGV, i, math.min(i + step - 1, #ARGV)))
end
redis.call('SET', KEYS[3], ARGV[3])
return 1`;

export class RedisSnapshotStore implements SnapshotStore {
  /** `writer` sends the writes (large: Bun's native client, nativeScriptRunner.ts); the rest goes through `redis`. */
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly writer: NativeScriptRunner) {}

  /** A new epoch, greater than every one handed out before. */
  async nextEpoch(): Promise<number> {
    return this.redis.incr(`${this.prefix}:epoch`);
  }

  /** Claims a shard for `generation` (an epoch); refused when an equal or newer one holds it. */
  async claim(shardId: number, generation: number, instance: string): Promise<ShardClaim> {
    const [granted, previousGeneration, previousInstance] = (await this.redis.eval(
      CLAIM, 2, this.key(shardId, "owner"), `${this.prefix}:epoch`, String(generation), instance,
    )) as [number, number, string];
    return { granted: granted === 1, previousGeneration, previousInstance };
  }

  /**
   * Writes changed accounts and the offsets together: "written"; "fenced" when a newer claim holds
   * the shard; "lost" when Redis no longer has the shard at all (it restarted without its data).
   */
  async write(
    shardId: number, generation: number, instance: string,
    accounts: ReadonlyMap<string, AccountState | string>, offsets: Record<string, string>,
  ): Promise<"written" | "fenced" | "lost"> {
    const pairs: string[] = [];
    for (const [accountId, state] of accounts) pairs.push(accountId, typeof state === "string" ? state : encodeAccount(state));
    const written = await this.writer.eval(
      WRITE, [this.key(shardId, "owner"), this.key(shardId, "accounts"), this.key(shardId, "offsets")],
      [String(generation), instance, JSON.stringify(offsets), ...pairs],
    );
    return written === 1 ? "written" : written === -1 ? "lost" : "fenced";
  }

  /**
   * The shard's accounts and offsets. Read with HSCAN in pages: one HGETALL of a large shard is a
   * reply of tens of MB that the client parses slowly and holds at once. The offsets are read
   * first; the claim keeps anyone else from writing meanwhile, so both belong to one snapshot.
   * The accounts that may stay dormant are kept as their text; the others are decoded now.
   */
  async load(shardId: number): Promise<ShardSnapshot> {
    const offsets = await this.redis.get(this.key(shardId, "offsets"));
    const accounts: AccountState[] = [];
    const dormant = new Map<string, string>();
    let cursor = "0";
    do {
      const [next, fields] = await this.redis.hscan(this.key(shardId, "accounts"), cursor, "COUNT", SCAN_PAGE_FIELDS);
      for (let i = 1; i < fields.length; i += 2) {
        const text = fields[i]!;
        if (isDormantEncoding(text)) dormant.set(fields[i - 1]!, text);
        else accounts.push(decodeAccount(text));
      }
      cursor = next;
    } while (cursor !== "0");
    return { accounts, dormant, offsets: offsets === null ? {} : JSON.parse(offsets) };
  }

  /**
   * One account's state, for an account another instance owns: from its home shard, else from
   * whichever shard holds it (a producer with another partitioner than Kafka's Java default puts
   * an account elsewhere; one pipelined round trip asks every shard). The newest version wins.
   */
  async findAccount(accountId: string, homeShardId: number, shardCount: number): Promise<AccountState | null> {
    const home = await this.redis.hget(this.key(homeShardId, "accounts"), accountId);
    if (home !== null) return decodeAccount(home);
    const pipeline = this.redis.pipeline();
    for (let shardId = 0; shardId < shardCount; shardId++) pipeline.hget(this.key(shardId, "accounts"), accountId);
    let newest: AccountState | null = null;
    for (const [error, encoded] of (await pipeline.exec()) ?? []) {
      if (error !== null) throw error;
      if (typeof encoded !== "string") continue;
      const state = decodeAccount(encoded);
      if (newest === null || state.version > newest.version) newest = state;
    }
    return newest;
  }

  private key(shardId: number, part: string): string {
    return `${this.prefix}:${shardId}:${part}`;
  }
}
