/**
 * The rate limiter of this engine: Redis (shared by every instance) when REDIS_URL is set, with
 * the in-process limiter as its fallback while Redis does not answer; the in-process one alone
 * otherwise. Its own Redis connection with a short command timeout, so a slow Redis delays a
 * request by at most RATE_LIMIT_REDIS_TIMEOUT_MS, and never waits behind snapshot writes.
 */
import Redis from "ioredis";
import { RedisRateLimiter } from "../../adapters/redis/redisRateLimiter.ts";
import type { Config } from "../../config.ts";
import type { Logger } from "../../observability/log.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { LocalRateLimiter } from "../../runtime/localRateLimiter.ts";
import type { RateLimiter } from "../../runtime/ports.ts";

/** Callers counted in one second by the in-process limiter (past it a new caller is refused). */
const LOCAL_RATE_KEYS_MAX = 100_000;
const RATE_LIMIT_REDIS_TIMEOUT_MS = 250;
/** One log line per this many fallbacks at most: a Redis outage must not flood the log. */
const FALLBACK_LOG_EVERY = 1000;

export function openRateLimiter(config: Config, metrics: Metrics, log: Logger): { limiter: RateLimiter; close(): void } {
  const local = new LocalRateLimiter(LOCAL_RATE_KEYS_MAX, () => metrics.dropsTotal.inc({ what: "rate_limit_key" }));
  if (config.REDIS_URL === "") return { limiter: local, close: () => {} };
  const redis = new Redis(config.REDIS_URL, {
    commandTimeout: RATE_LIMIT_REDIS_TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false,
  });
  redis.on("error", () => {}); // counted as fallbacks below; the snapshot client logs Redis errors
  let fallbacks = 0;
  const limiter = new RedisRateLimiter(redis, config.REDIS_KEY_PREFIX, local, (error) => {
    metrics.rateLimitFallbacksTotal.inc();
    if (fallbacks++ % FALLBACK_LOG_EVERY === 0) log.warn("rate_limit_redis_unavailable", { error: String(error), fallbacks });
  });
  return { limiter, close: () => redis.disconnect() };
}
