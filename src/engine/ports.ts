/** The engine's ports: what adapters implement, so that the engine never imports an adapter. */
import type { AccountState } from "../actors/accountState.ts";
import type { HighValueAlert } from "../actors/highValueAlert.ts";
import type { BankMessage } from "../actors/messages.ts";
import type { DeadLetterReason, Outcome } from "../actors/reasons.ts";
import type { DeadLetter, SourceRef } from "./deadLetter.ts";

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

/** Where the engine's effects go: WebSocket push, DLQ, sync, event log. Called on the hot path: never block. */
export interface EngineOutputs {
  /** An account changed (applied message or facility change); `shardId` is where it lives. */
  balanceChanged(state: AccountState, shardId: number): void;
  alertRaised(alert: HighValueAlert): void;
  deadLettered(letter: DeadLetter): void;
  /** Every message and its outcome (the event log); optional. */
  messageProcessed?(event: ProcessedMessage): void;
}

/** One message and what happened to it, for the append-only event log. */
export interface ProcessedMessage {
  readonly atMs: number;
  readonly source: SourceRef;
  readonly outcome: Outcome;
  readonly reason?: DeadLetterReason;
  /** Absent when the message was too broken to say. */
  readonly message?: BankMessage;
  readonly messageId?: string;
  readonly accountId?: string;
}

/** An account's row in `datalake.account` (the Postgres copy), amounts in minor units. */
export interface AccountRow {
  readonly accountId: string;
  readonly balanceMinor: number;
  /** null while the facility is unknown. */
  readonly availableMinor: number | null;
  readonly currency: string;
  readonly eodDate: string;
  readonly version: number;
  readonly updatedAtMs: number;
}

/** The row of an account that has an EOD, or null. */
export function accountRowOf(state: AccountState): AccountRow | null {
  if (state.eod === null || state.currency === null) return null;
  const balanceMinor = state.eod.balanceMinor + state.intradayTotalMinor;
  const limit = state.facilityLimitMinor;
  return {
    accountId: state.accountId,
    balanceMinor,
    availableMinor: limit === null ? null : limit + balanceMinor - state.holdsMinor,
    currency: state.currency,
    eodDate: state.eod.date,
    version: state.version,
    updatedAtMs: state.updatedAtMs,
  };
}
