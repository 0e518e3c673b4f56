/**
 * A rate limiter in this process: fixed one-second windows, counts for the current window only
 * (the map is dropped when the second turns), so memory is bounded by the keys seen in one
 * second, at most KEYS_MAX. Past that bound a new key is refused rather than let the map grow:
 * only authenticated callers reach the limiter, so this many in one second is an attack.
 */
import type { RateDecision, RateLimiter } from "./ports.ts";

export const RATE_WINDOW_MS = 1000;

export class LocalRateLimiter implements RateLimiter {
  private windowIndex = -1;
  private counts = new Map<string, number>();

  constructor(
    private readonly keysMax: number,
    private readonly onKeysFull: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string, limitPerSecond: number): RateDecision {
    const nowMs = this.now();
    const index = Math.floor(nowMs / RATE_WINDOW_MS);
    if (index !== this.windowIndex) {
      this.windowIndex = index;
      this.counts = new Map();
    }
    const retryAfterMs = (index + 1) * RATE_WINDOW_MS - nowMs;
    const count = this.counts.get(key);
    if (count === undefined && this.counts.size >= this.keysMax) {
      this.onKeysFull();
      return { allowed: false, retryAfterMs };
    }
    const next = (count ?? 0) + 1;
    this.counts.set(key, next);
    return next <= limitPerSecond ? { allowed: true } : { allowed: false, retryAfterMs };
  }
}
