/**
 * Is Redis there? One connection and a PING, bounded in time, at start: the engine's own clients
 * reconnect forever (right while it runs), so without this a Redis that is down at start would
 * leave the start waiting with no word of why.
 */
import Redis from "ioredis";

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export async function probeRedis(url: string, timeoutMs: number): Promise<ProbeResult> {
  const redis = new Redis(url, {
    lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false,
  });
  redis.on("error", () => {}); // reported below, as the probe's answer
  try {
    await redis.connect();
    await redis.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    redis.disconnect();
  }
}
