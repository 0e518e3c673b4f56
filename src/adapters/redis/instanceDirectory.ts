/**
 * Where each instance answers HTTP, and which instance owns a shard now, for forwarding a
 * transfer to the instance that decides it. Each instance writes `{prefix}:instance:{id}` → its
 * URL with a TTL and refreshes it; a shard's owner is the instance of its snapshot claim
 * (`{prefix}:{p}:owner`, see snapshotStore.ts). A stopped instance's entry expires by itself.
 */
import type Redis from "ioredis";

const ENTRY_TTL_SECONDS = 30;
const REFRESH_MS = 10_000;

export class InstanceDirectory {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly instanceId: string) {}

  /** Announces this instance at `url` until stopped. */
  async announce(url: string): Promise<void> {
    const write = () => this.redis.set(this.entryKey(this.instanceId), url, "EX", ENTRY_TTL_SECONDS);
    await write();
    this.timer = setInterval(() => void write().catch(() => {}), REFRESH_MS);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.redis.del(this.entryKey(this.instanceId)).catch(() => {});
  }

  /** The URL of the instance that owns the shard now; null when unknown, or when it is this one. */
  async ownerUrlOf(shardId: number): Promise<string | null> {
    const owner = await this.redis.hget(`${this.prefix}:${shardId}:owner`, "instance");
    if (owner === null || owner === this.instanceId) return null;
    return this.redis.get(this.entryKey(owner));
  }

  private entryKey(instanceId: string): string {
    return `${this.prefix}:instance:${instanceId}`;
  }
}
