/**
 * The limit an EOD takes: from the cache at once, else from the table. The table unreachable is
 * an outage, not a missing facility: the lookup is retried with backoff, while this account's
 * later messages wait in its mailbox and every other account goes on. The wait is bounded
 * (`waitMsMax`): past it the EOD is applied with the limit unknown (`facility_unavailable`) and
 * the facility is handed to the refresher, which fills the limit in once the table answers.
 * `facility_lookups_total{result}` counts each answer and failure; `isFailing` feeds /ready.
 */
import { Backoff } from "../lib/backoff.ts";
import type { Logger } from "../observability/log.ts";
import type { FacilityCache } from "./facilityCache.ts";
import type { Facility } from "./ports.ts";

export const FACILITY_RETRY_MS_MIN = 100;
export const FACILITY_RETRY_MS_MAX = 5000;

export type FacilityLookupResult = "found" | "not_found" | "error" | "unavailable";

export type FacilityAnswer =
  | { readonly kind: "limit"; readonly limitMinor: number }
  | { readonly kind: "not_found" }
  | { readonly kind: "unavailable" };

const NOT_FOUND: FacilityAnswer = Object.freeze({ kind: "not_found" });
const UNAVAILABLE: FacilityAnswer = Object.freeze({ kind: "unavailable" });
/** The table did not answer within the wait. */
const GAVE_UP = Symbol("facility lookup gave up");
const NEVER = new Promise<never>(() => {});

export interface FacilityLookupOptions {
  readonly cache: FacilityCache;
  readonly log: Logger;
  readonly counted: (result: FacilityLookupResult) => void;
  /** FACILITY_LOOKUP_WAIT_MS: how long one EOD waits for an unreachable table. */
  readonly waitMsMax: number;
  /** A facility the table could not give in time; the refresher reads it again later. */
  readonly unavailable: (facilityId: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export class FacilityLookup {
  private failing = 0;
  private stopped = false;

  constructor(private readonly options: FacilityLookupOptions) {}

  /** The limit for an account in `currency`: a facility in another currency counts as not found for it. */
  limitFor(facilityId: string, currency: string): FacilityAnswer | Promise<FacilityAnswer> {
    const cached = this.options.cache.get(facilityId);
    if (cached instanceof Promise) return this.retried(facilityId, cached).then((facility) => this.answerOf(facility, currency));
    return this.answerOf(cached, currency);
  }

  /** True while some lookup is failing (the table is unreachable). */
  get isFailing(): boolean {
    return this.failing > 0;
  }

  /**
   * Shutdown: a lookup still failing never answers, so its EOD is not applied with an unknown
   * limit. Its offset stays below the last snapshot's, and the restarted engine looks it up again.
   */
  stop(): void {
    this.stopped = true;
  }

  private answerOf(facility: Facility | null | typeof GAVE_UP, currency: string): FacilityAnswer {
    if (facility === GAVE_UP) return UNAVAILABLE;
    const found = facility !== null && facility.currency === currency;
    this.options.counted(found ? "found" : "not_found");
    return found ? { kind: "limit", limitMinor: facility.limitMinor } : NOT_FOUND;
  }

  private async retried(facilityId: string, first: Promise<Facility | null>): Promise<Facility | null | typeof GAVE_UP> {
    const { sleep = Bun.sleep, now = Date.now, waitMsMax } = this.options;
    const backoff = new Backoff(FACILITY_RETRY_MS_MIN, FACILITY_RETRY_MS_MAX);
    const giveUpAtMs = now() + waitMsMax;
    for (let lookup = first; ; lookup = Promise.resolve(this.options.cache.get(facilityId))) {
      try {
        const facility = await lookup;
        if (backoff.failuresInARow > 0) this.failing -= 1;
        return facility;
      } catch (error) {
        if (backoff.failuresInARow === 0) this.failing += 1;
        const retryInMs = backoff.failed();
        this.options.counted("error");
        const leftMs = giveUpAtMs - now();
        if (this.stopped) return NEVER;
        if (leftMs <= 0) return this.giveUp(facilityId, error);
        this.options.log.warn("facility_lookup_failed", { facilityId, error: String(error), retryInMs: Math.min(retryInMs, leftMs) });
        await sleep(Math.min(retryInMs, leftMs));
      }
    }
  }

  private giveUp(facilityId: string, error: unknown): typeof GAVE_UP {
    this.failing -= 1;
    this.options.counted("unavailable");
    this.options.log.error("facility_unavailable", { facilityId, error: String(error), waitedMsMax: this.options.waitMsMax });
    this.options.unavailable(facilityId);
    return GAVE_UP;
  }
}
