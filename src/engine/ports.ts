/** The engine's ports: what adapters implement, so that the engine never imports an adapter. */
import type { AccountState } from "../actors/accountState.ts";
import type { HighValueAlert } from "../actors/highValueAlert.ts";
import type { DeadLetter } from "./deadLetter.ts";

/** A facility row: the limit in minor units of its currency. */
export interface Facility {
  readonly facilityId: string;
  readonly limitMinor: number;
  readonly currency: string;
}

/** The facility table (`datasource.facility`). */
export interface FacilityStore {
  get(facilityId: string): Promise<Facility | null>;
  upsert(facility: Facility): Promise<void>;
}

/** Where the engine's effects go: WebSocket push, DLQ, sync, event log. */
export interface EngineOutputs {
  balanceChanged(state: AccountState): void;
  alertRaised(alert: HighValueAlert): void;
  deadLettered(letter: DeadLetter): void;
}
