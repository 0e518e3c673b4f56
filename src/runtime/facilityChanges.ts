/**
 * A facility limit changed during the day (`PUT /v1/admin/facilities/:id`): store it, then every
 * account that uses the facility takes the new limit at once, in its actor, with a push each. The
 * same path fills in a limit the table could not give at an EOD (the refresher). A facility
 * applies only to accounts of its currency: for one of another currency (a facility moved to
 * EUR while the account is USD) it counts as not found, and the account's limit becomes unknown.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import { applyFacilityLimit, type FacilityChangeOutcome } from "../domain/account/applyFacilityLimit.ts";
import type { Logger } from "../observability/log.ts";
import type { AccountRuntime } from "./accountRuntime.ts";
import type { EffectRunner } from "./effects.ts";
import type { FacilityCache } from "./facilityCache.ts";
import type { Facility, FacilityAdmin, FacilityStore } from "./ports.ts";

export class FacilityChanges implements FacilityAdmin {
  constructor(
    private readonly store: FacilityStore,
    private readonly cache: FacilityCache,
    private readonly runtime: AccountRuntime,
    private readonly effects: EffectRunner,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves to the number of accounts whose limit changed. */
  async setFacilityLimit(facility: Facility): Promise<number> {
    await this.store.upsert(facility);
    this.cache.remember(facility.facilityId, facility);
    return this.applyToAccounts(facility);
  }

  /** Gives every account that uses the facility its limit (or an unknown one, in another currency). */
  async applyToAccounts(facility: Facility): Promise<number> {
    const changes: (FacilityChangeOutcome | Promise<FacilityChangeOutcome>)[] = [];
    for (const [shardId, accountId] of [...this.runtime.onFacility(facility.facilityId)]) {
      changes.push(this.runtime.run(shardId, accountId, (current) => this.change(current, facility, shardId)));
    }
    const outcomes = await Promise.all(changes);
    return outcomes.filter((outcome) => outcome === "applied").length;
  }

  private change(state: AccountState, facility: Facility, shardId: number): FacilityChangeOutcome {
    const limitMinor = state.currency === facility.currency ? facility.limitMinor : null;
    const outcome = applyFacilityLimit(state, facility.facilityId, limitMinor, this.now());
    if (outcome === "applied") this.effects.facilityLimitApplied(state, shardId, facility.facilityId);
    if (outcome === "out_of_range") this.log.error("facility_limit_out_of_range", { accountId: state.accountId, facilityId: facility.facilityId });
    return outcome;
  }
}
