/**
 * The rate limiter shared by every instance: one counter per key and one-second window in Redis,
 * incremented by a small Lua script (INCR, and PEXPIRE on the first hit, atomically), so two
 * instances cannot both let through the last request of a window. While Redis does not answer
 * within its command timeout, each instance falls back to its own in-process limiter (counted),
 * which still bounds every caller, per instance.
 */
import type Redis from "ioredis";
import type { RateDecision, RateLimiter } from "../../runtime/ports.ts";

const WINDOW_MS = 1000;
/** A window's key outlives it a little (clocks of instances differ by a few ms), then goes by itself. */
const KEY_TTL_MS = 3 * WINDOW_MS;

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly fallback: RateLimiter,
    private readonly onFallback: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, limitPerSecond: number): Promise<RateDecision> {
    const nowMs = this.now();
    const index = Math.floor(nowMs / WINDOW_MS);
    let count: number;
    try {
      count = Number(await this.redis.eval(HIT_SCRIPT, 1, `${this.keyPrefix}:rate:${key}:${index}`, KEY_TTL_MS));
    } catch (error) {
      this.onFallback(error);
      return this.fallback.hit(key, limitPerSecond);
    }
    return count <= limitPerSecond ? { allowed: true } : { allowed: false, retryAfterMs: (index + 1) * WINDOW_MS - nowMs };
  }
}
