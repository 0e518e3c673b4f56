/**
 * Facilities the table could not give in time (an outage), and those of accounts recovered with
 * an unknown limit: read again with backoff until the table answers, then handed to `found`,
 * which applies the limit to every account that uses the facility.
 * Bounded: past `idsMax` pending facilities a new one is dropped and counted (its accounts keep an
 * unknown limit until their next EOD or a PUT).
 */
import { Backoff } from "../lib/backoff.ts";
import type { Logger } from "../observability/log.ts";
import type { FacilityCache } from "./facilityCache.ts";
import type { Facility } from "./ports.ts";

const REFRESH_MS_MIN = 500;
const REFRESH_MS_MAX = 30_000;

export interface FacilityRefresherOptions {
  readonly cache: FacilityCache;
  readonly idsMax: number;
  readonly found: (facility: Facility) => Promise<unknown>;
  readonly dropped: () => void;
  readonly log: Logger;
}

export class FacilityRefresher {
  private readonly pending = new Set<string>();
  private readonly backoff = new Backoff(REFRESH_MS_MIN, REFRESH_MS_MAX);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly options: FacilityRefresherOptions) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  add(facilityId: string): void {
    if (this.stopped || this.pending.has(facilityId)) return;
    if (this.pending.size >= this.options.idsMax) return this.options.dropped();
    this.pending.add(facilityId);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setTimeout(() => void this.refresh(), Math.max(REFRESH_MS_MIN, this.backoff.delayMs()));
    this.timer.unref?.();
  }

  private async refresh(): Promise<void> {
    this.timer = null;
    for (const facilityId of [...this.pending]) {
      try {
        const facility = await this.options.cache.get(facilityId);
        this.pending.delete(facilityId);
        this.backoff.succeeded();
        if (facility === null) this.options.log.debug("facility_refreshed_not_found", { facilityId });
        else await this.options.found(facility);
      } catch {
        this.backoff.failed();
        break; // still down: try them all again later
      }
    }
    if (this.pending.size > 0) this.schedule();
  }
}
