/**
 * The limit an EOD takes: from the cache at once, else from the table. The table unreachable is
 * an outage, not a missing facility: the lookup is retried with backoff until it answers or the
 * engine stops, while this account's later messages wait in its mailbox and others go on.
 * `facility_lookups_total{result}` counts each answer and each failure; `isFailing` feeds /ready.
 */
import type { Logger } from "../observability/log.ts";
import { Backoff } from "../lib/backoff.ts";
import type { FacilityCache } from "./facilityCache.ts";
import type { Facility } from "./ports.ts";

export const FACILITY_RETRY_MS_MIN = 100;
export const FACILITY_RETRY_MS_MAX = 5000;

export type FacilityLookupResult = "found" | "not_found" | "error";

export interface FacilityLookupOptions {
  readonly cache: FacilityCache;
  readonly log: Logger;
  readonly counted: (result: FacilityLookupResult) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class FacilityLookup {
  private failing = 0;
  private stopped = false;

  constructor(private readonly options: FacilityLookupOptions) {}

  /** The limit in minor units for an account in `currency`; null when the facility is unknown for it. */
  limitFor(facilityId: string, currency: string): number | null | Promise<number | null> {
    const cached = this.options.cache.get(facilityId);
    if (cached instanceof Promise) return this.retried(facilityId, cached).then((facility) => this.limitOf(facility, currency));
    return this.limitOf(cached, currency);
  }

  /** True while some lookup is failing (the table is unreachable). */
  get isFailing(): boolean {
    return this.failing > 0;
  }

  /** Ends the retry loops: a lookup still failing rejects. */
  stop(): void {
    this.stopped = true;
  }

  private limitOf(facility: Facility | null, currency: string): number | null {
    // A facility in another currency does not apply to the account: it counts as not found.
    const limit = facility !== null && facility.currency === currency ? facility.limitMinor : null;
    this.options.counted(limit === null ? "not_found" : "found");
    return limit;
  }

  private async retried(facilityId: string, first: Promise<Facility | null>): Promise<Facility | null> {
    const backoff = new Backoff(FACILITY_RETRY_MS_MIN, FACILITY_RETRY_MS_MAX);
    const sleep = this.options.sleep ?? Bun.sleep;
    let lookup = first;
    for (;;) {
      try {
        const facility = await lookup;
        if (backoff.failuresInARow > 0) this.failing -= 1;
        return facility;
      } catch (error) {
        if (backoff.failuresInARow === 0) this.failing += 1;
        const retryInMs = backoff.failed();
        this.options.counted("error");
        this.options.log.warn("facility_lookup_failed", { facilityId, error: String(error), retryInMs });
        if (this.stopped) {
          this.failing -= 1;
          throw new Error(`facility ${facilityId} could not be read before the engine stopped`);
        }
        await sleep(retryInMs);
        lookup = Promise.resolve(this.options.cache.get(facilityId));
      }
    }
  }
}
