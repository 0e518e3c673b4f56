/**
 * Facility limits read through a cache: EODs arrive in bursts at the start of the day and share
 * a few facilities, so one lookup serves many accounts. Entries expire after `ttlMs` so that a
 * change made straight in the table is seen within that time; `PUT /v1/admin/facilities` updates
 * the cache at once. Bounded: past `entriesMax` the oldest entry goes.
 */
import type { Facility, FacilityStore } from "./ports.ts";

interface Entry {
  readonly facility: Facility | null;
  readonly expiresAtMs: number;
}

export class FacilityCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Facility | null>>();

  constructor(
    private readonly store: FacilityStore,
    private readonly ttlMs: number,
    private readonly entriesMax: number,
    private readonly now: () => number,
  ) {}

  /** The facility (null when unknown) at once when cached, else a promise of it. */
  get(facilityId: string): Facility | null | Promise<Facility | null> {
    const entry = this.entries.get(facilityId);
    if (entry !== undefined && entry.expiresAtMs > this.now()) return entry.facility;
    return this.inFlight.get(facilityId) ?? this.load(facilityId);
  }

  remember(facilityId: string, facility: Facility | null): void {
    this.entries.delete(facilityId); // re-insert so that Map order is age order
    if (this.entries.size >= this.entriesMax) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(facilityId, { facility, expiresAtMs: this.now() + this.ttlMs });
  }

  private load(facilityId: string): Promise<Facility | null> {
    const loading = this.store.get(facilityId).then(
      (facility) => {
        this.remember(facilityId, facility);
        return facility;
      },
    ).finally(() => this.inFlight.delete(facilityId));
    this.inFlight.set(facilityId, loading);
    return loading;
  }
}
