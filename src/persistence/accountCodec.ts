/**
 * An account's state as snapshot text, and back. Compact (positional arrays) because a snapshot
 * holds every account; checked on both sides, so a corrupt snapshot fails loudly at load.
 */
import { assertAccountState, type AccountState } from "../actors/accountState.ts";
import { ownedString } from "../actors/ownedString.ts";

type Encoded = [
  accountId: string,
  currency: string | null,
  eod: [balanceMinor: number, date: string, epochSeconds: number, nanos: number, facilityId: string] | null,
  facilityLimitMinor: number | null,
  buckets: [string, number][],
  holdsMinor: number,
  version: number,
  updatedAtMs: number,
  messageIds: [string, string][],
  createdIds: [string, string][],
  removedIds: [string, string][],
];

export function encodeAccount(state: AccountState): string {
  assertAccountState(state);
  const eod = state.eod;
  const encoded: Encoded = [
    state.accountId,
    state.currency,
    eod === null ? null : [eod.balanceMinor, eod.date, eod.timestamp.epochSeconds, eod.timestamp.nanos, eod.facilityId],
    state.facilityLimitMinor,
    [...state.buckets],
    state.holdsMinor,
    state.version,
    state.updatedAtMs,
    [...state.messageIds],
    [...state.createdIds],
    [...state.removedIds],
  ];
  return JSON.stringify(encoded);
}

export function decodeAccount(text: string): AccountState {
  const [accountId, currency, eod, facilityLimitMinor, buckets, holdsMinor, version, updatedAtMs, messageIds, createdIds, removedIds] =
    JSON.parse(text) as Encoded;
  const state: AccountState = {
    accountId: ownedString(accountId),
    currency,
    eod: eod === null ? null : {
      balanceMinor: eod[0], date: eod[1], timestamp: { epochSeconds: eod[2], nanos: eod[3] }, facilityId: eod[4],
    },
    facilityLimitMinor,
    buckets: new Map(buckets),
    intradayTotalMinor: buckets.reduce((sum, [, total]) => sum + total, 0),
    holdsMinor,
    version,
    updatedAtMs,
    messageIds: idWindow(messageIds),
    createdIds: idWindow(createdIds),
    removedIds: idWindow(removedIds),
  };
  assertAccountState(state);
  return state;
}

/** A dedupe window's ids, each as a copy that JSON.parse's string does not pin (see ownedString). */
function idWindow(entries: [string, string][]): Map<string, string> {
  const window = new Map<string, string>();
  for (const [id, tag] of entries) window.set(ownedString(id), tag);
  return window;
}
