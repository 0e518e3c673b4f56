/**
 * An account's state as snapshot text, and back. Compact (positional arrays) because a snapshot
 * holds every account; checked on both sides, so a corrupt snapshot fails loudly at load.
 *
 * Versioned: the first element is the codec version. Version 1 had no tag (its first element is
 * the account id, a string); snapshots written by it still load. A new version adds a decoder
 * here and keeps the old ones. Version 3 appends the state's origin (versions 1 and 2 load with
 * origin 0, the origin of every row written before origins existed).
 */
import { assertAccountState, type AccountState } from "../../domain/account/accountState.ts";
import { ownedString } from "../../domain/ownedString.ts";

export const ACCOUNT_CODEC_VERSION = 3;

type EncodedEod = [balanceMinor: number, date: string, epochSeconds: number, nanos: number, facilityId: string];

/** The fields of every version so far, in order. */
type Fields = [
  accountId: string,
  currency: string | null,
  eod: EncodedEod | null,
  facilityLimitMinor: number | null,
  buckets: [string, number][],
  holdsMinor: number,
  version: number,
  updatedAtMs: number,
  messageIds: [string, string][],
  createdIds: [string, string][],
  removedIds: [string, string][],
];

type EncodedV3 = [codecVersion: 3, ...fields: Fields, originMs: number];

export function encodeAccount(state: AccountState): string {
  assertAccountState(state);
  const eod = state.eod;
  const encoded: EncodedV3 = [
    ACCOUNT_CODEC_VERSION,
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
    state.originMs,
  ];
  return JSON.stringify(encoded);
}

export function decodeAccount(text: string): AccountState {
  const parsed = JSON.parse(text) as unknown[];
  if (!Array.isArray(parsed)) throw new Error("invariant: an encoded account is an array");
  // Version 1 had no tag: its first element is the account id.
  if (typeof parsed[0] === "string") return stateOf(parsed as Fields, 0);
  if (parsed[0] === 2) return stateOf(parsed.slice(1) as Fields, 0);
  if (parsed[0] === 3) return stateOf(parsed.slice(1, 12) as Fields, parsed[12] as number);
  throw new Error(`invariant: unknown account codec version ${String(parsed[0])}`);
}

function stateOf(fields: Fields, originMs: number): AccountState {
  const [accountId, currency, eod, facilityLimitMinor, buckets, holdsMinor, version, updatedAtMs, messageIds, createdIds, removedIds] = fields;
  const state: AccountState = {
    accountId: ownedString(accountId),
    originMs,
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
