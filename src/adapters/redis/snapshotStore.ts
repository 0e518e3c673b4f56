/**
 * Shard snapshots in Redis: the shard's accounts and the Kafka offsets they include, written
 * together by one Lua call, so a snapshot is never half old, half new. Writes are fenced: each
 * group join takes a fresh epoch (`{prefix}:epoch`, INCR: kafkajs does not expose the group
 * generation), a shard is claimed with it, and a write from an older claim (a "zombie" that lost
 * the partition without noticing) is refused.
 *
 * Keys per shard p: `{prefix}:{p}:owner` (hash: generation = epoch, instance), `{prefix}:{p}:accounts`
 * (hash: accountId → encoded state), `{prefix}:{p}:offsets` (JSON: topic → next offset).
 * A busy account's value is extended rather than sent whole (snapshotAppends.ts).
 */
import type Redis from "ioredis";
import type { AccountState } from "../../domain/account/accountState.ts";
import type { ShardClaim, ShardSnapshot, SnapshotStore } from "../../runtime/ports.ts";
import { decodeAccount, isDormantEncoding } from "./accountCodec.ts";
import { SnapshotAppends } from "./snapshotAppends.ts";
import type { NativeScriptRunner } from "./nativeScriptRunner.ts";

/** Accounts read per HSCAN page when a snapshot is loaded. */
const SCAN_PAGE_FIELDS = 2000;

const CLAIM = `
local generation = tonumber(redis.call('HGET', KEYS[1], 'generation') or '-1')
local instance = redis.call('HGET', KEYS[1], 'instance') or ''
if tonumber(ARGV[1]) <= generation then return {0, generation, instance} end
redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'instance', ARGV[2])
-- The epoch counter never falls below a claimed epoch, even after Redis lost its data.
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end
return {1, generation, instance}`;

/**
 * ARGV: generation, instance, offsets, then records (snapshotAppends.ts): "f", field, value, or
 * "d", field, head, ids, words, dates, total, idsStart, idsEnd, wordsEnd. Every appended value is
 * checked before anything is written; one that is not as expected makes the script write nothing
 * and answer {2, its fields}.
 */
const WRITE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'instance') ~= ARGV[2] then
  return 0
end
local diverged = {}
local olds = {}
local i = 4
while i <= #ARGV do
  if ARGV[i] == 'f' then
    i = i + 3
  else
    local old = redis.call('HGET', KEYS[2], ARGV[i + 1])
    local idsStart, idsEnd, wordsEnd = tonumber(ARGV[i + 7]), tonumber(ARGV[i + 8]), tonumber(ARGV[i + 9])
    if (not old) or #old ~= tonumber(ARGV[i + 6]) or string.sub(old, idsStart - 2, idsStart - 1) ~= ',"'
      or string.sub(old, idsEnd + 1, idsEnd + 3) ~= '",[' or string.sub(old, wordsEnd + 1, wordsEnd + 2) ~= '],' then
      diverged[#diverged + 1] = ARGV[i + 1]
    else
      olds[i] = old
    end
    i = i + 10
  end
end
if #diverged > 0 then return {2, diverged} end
i = 4
while i <= #ARGV do
  if ARGV[i] == 'f' then
    redis.call('HSET', KEYS[2], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  else
    local old = olds[i]
    local idsStart, idsEnd, wordsEnd = tonumber(ARGV[i + 7]), tonumber(ARGV[i + 8]), tonumber(ARGV[i + 9])
    redis.call('HSET', KEYS[2], ARGV[i + 1], table.concat({ ARGV[i + 2], ',"', string.sub(old, idsStart, idsEnd), ARGV[i + 3], '",[',
      string.sub(old, idsEnd + 4, wordsEnd), ARGV[i + 4], '],', ARGV[i + 5], ']' }))
    i = i + 10
  end
end
redis.call('SET', KEYS[3], ARGV[3])
return 1`;

/** What the write script answers when appended values were not as expected. */
const DIVERGED = 2;

export class RedisSnapshotStore implements SnapshotStore {
  /** `writer` sends the writes (large: Bun's native client, nativeScriptRunner.ts); the rest goes through `redis`. */
  /** What each account's stored value holds, so that the next write appends to it. */
  private readonly appends = new SnapshotAppends();

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
    const keys = [this.key(shardId, "owner"), this.key(shardId, "accounts"), this.key(shardId, "offsets")];
    let whole: ReadonlySet<string> = new Set();
    for (let attempt = 1; ; attempt++) {
      const batch = this.appends.batch(accounts, whole);
      const reply = await this.writer.eval(WRITE, keys, [String(generation), instance, JSON.stringify(offsets), ...batch.args]);
      if (reply === 1) {
        this.appends.acknowledged(batch);
        return "written";
      }
      if (reply === -1) {
        this.appends.forgetAll();
        return "lost";
      }
      if (!Array.isArray(reply) || reply[0] !== DIVERGED) return "fenced";
      // Sent again with the diverged accounts whole, which cannot diverge.
      if (attempt === 2) throw new Error("invariant: a snapshot write diverged with every diverged account whole");
      whole = new Set(reply[1] as string[]);
    }
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
