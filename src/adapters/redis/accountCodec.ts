/**
 * An account's state as snapshot text, and back. Compact (positional arrays) because a snapshot
 * holds every account; checked on both sides, so a corrupt snapshot fails loudly at load.
 *
 * Versioned: the first element is the codec version. Version 1 had no tag (its first element is
 * the account id, a string); snapshots written by it still load. A new version adds a decoder
 * here and keeps the old ones. Version 3 appends the state's origin (versions 1 and 2 load with
 * origin 0, the origin of every row written before origins existed). Version 4 appends the
 * transfers and the risk history (transferCodec.ts); older versions load with none.
 */
import { Type } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { assertAccountState, type AccountState } from "../../domain/account/accountState.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { ownedString } from "../../domain/ownedString.ts";
import { decodeTransferPart, encodeTransferPart, type TransferPart } from "./transferCodec.ts";

export const ACCOUNT_CODEC_VERSION = 4;

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

type EncodedV4 = [codecVersion: 4, ...fields: Fields, originMs: number, transfers: TransferPart];

const NO_TRANSFERS: TransferPart = [[], [], []];

/** What Redis gives back is checked field by field before it becomes an account (a corrupt or forged value fails). */
const Minor = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
const Pairs = <T extends ReturnType<typeof Type.String> | typeof Minor>(value: T) => Type.Array(Type.Tuple([Type.String(), value]));
const FieldsSchema = Type.Tuple([
  Type.String({ minLength: 1 }),
  Type.Union([Type.String(), Type.Null()]),
  Type.Union([Type.Tuple([Minor, Type.String(), Type.Number(), Type.Integer({ minimum: 0 }), Type.String()]), Type.Null()]),
  Type.Union([Minor, Type.Null()]),
  Pairs(Minor),
  Minor,
  Type.Integer({ minimum: 0 }),
  Type.Integer({ minimum: 0 }),
  Pairs(Type.String()),
  Pairs(Type.String()),
  Pairs(Type.String()),
]);
const fieldsCheck = TypeCompiler.Compile(FieldsSchema);

/** A snapshot value that is not an account this codec wrote. */
export class CorruptAccountError extends Error {}

export function encodeAccount(state: AccountState): string {
  assertAccountState(state);
  const eod = state.eod;
  const encoded: EncodedV4 = [
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
    encodeTransferPart(state.transfers, state.risk),
  ];
  return JSON.stringify(encoded);
}

/** The account in `text`; throws CorruptAccountError when it is not one. */
export function decodeAccount(text: string): AccountState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CorruptAccountError("an encoded account is not JSON");
  }
  if (!Array.isArray(parsed)) throw new CorruptAccountError("an encoded account is an array");
  // Version 1 had no tag: its first element is the account id.
  if (typeof parsed[0] === "string") return stateOf(parsed, 0, NO_TRANSFERS);
  if (parsed[0] === 2) return stateOf(parsed.slice(1), 0, NO_TRANSFERS);
  if (parsed[0] === 3) return stateOf(parsed.slice(1, 12), parsed[12], NO_TRANSFERS);
  if (parsed[0] === 4) return stateOf(parsed.slice(1, 12), parsed[12], parsed[13]);
  throw new CorruptAccountError(`unknown account codec version ${String(parsed[0])}`);
}

function stateOf(candidate: unknown[], origin: unknown, transferPart: unknown): AccountState {
  if (!fieldsCheck.Check(candidate)) throw new CorruptAccountError(`an encoded account does not fit the codec: ${fieldsCheck.Errors(candidate).First()?.path ?? "?"}`);
  if (typeof origin !== "number" || !Number.isSafeInteger(origin) || origin < 0) throw new CorruptAccountError(`an encoded account has origin ${String(origin)}`);
  const fields = candidate as Fields;
  const originMs = origin;
  if (fields[1] !== null && minorDigitsOf(fields[1]) === undefined) throw new CorruptAccountError(`an encoded account has unknown currency ${fields[1]}`);
  const [accountId, currency, eod, facilityLimitMinor, buckets, holdsMinor, version, updatedAtMs, messageIds, createdIds, removedIds] = fields;
  const transfers = decodeTransferPart(transferPart);
  if (typeof transfers === "string") throw new CorruptAccountError(`an encoded account: ${transfers}`);
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
    ...transfers,
    version,
    updatedAtMs,
    messageIds: idWindow(messageIds),
    createdIds: idWindow(createdIds),
    removedIds: idWindow(removedIds),
  };
  try {
    assertAccountState(state);
  } catch (error) {
    throw new CorruptAccountError(String(error));
  }
  return state;
}

/** A dedupe window's ids, each as a copy that JSON.parse's string does not pin (see ownedString). */
function idWindow(entries: [string, string][]): Map<string, string> {
  const window = new Map<string, string>();
  for (const [id, tag] of entries) window.set(ownedString(id), tag);
  return window;
}
