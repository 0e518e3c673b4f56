/**
 * An account's state as snapshot text, and back. Compact (positional arrays) because a snapshot
 * holds every account; checked on both sides, so a corrupt snapshot fails loudly at load.
 *
 * Versioned: the first element is the codec version. Version 1 had no tag (its first element is
 * the account id, a string); snapshots written by it still load. A new version adds a decoder
 * here and keeps the old ones. Version 3 appends the state's origin (versions 1 and 2 load with
 * origin 0, the origin of every row written before origins existed). Version 4 appends the
 * transfers and the risk history (transferCodec.ts); older versions load with none. Version 5
 * writes the dedupe window as the window's own three parts (its ids joined in one string, a
 * word per entry, its dates: see DedupeWindow.toParts) instead of three lists of [id, date]
 * pairs: one string to escape instead of two strings and an array per id, and a third of the bytes.
 * Version 6 puts a header before version 5's fields, readable without decoding the value: whether
 * the account must be decoded at recovery (1) or may stay dormant (0: see dormantAccounts.ts), and
 * its EOD's facility id, so that a facility change finds the dormant accounts it applies to.
 * The header is checked against the decoded state: a value whose header lies fails loudly.
 */
import { Type } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { figuresOf } from "../../domain/account/accountFigures.ts";
import { assertAccountState, type AccountState } from "../../domain/account/accountState.ts";
import { minorDigitsOf } from "../../domain/currency.ts";
import { ID_LENGTH_MAX } from "../../domain/identifier.ts";
import { DedupeWindow, WindowKind, windowNamespaceOf, type WindowParts } from "../../domain/account/dedupeWindow.ts";
import { ownedString } from "../../domain/ownedString.ts";
import { staysDormant } from "../../runtime/dormantAccounts.ts";
import type { AccountRow } from "../../runtime/ports.ts";
import { decodeTransferPart, encodeTransferPart, type TransferPart } from "./transferCodec.ts";

export const ACCOUNT_CODEC_VERSION = 6;

type EncodedEod = [balanceMinor: number, date: string, epochSeconds: number, nanos: number, facilityId: string];

/** The fields of every version so far, in order. */
type BaseFields = [
  accountId: string,
  currency: string | null,
  eod: EncodedEod | null,
  facilityLimitMinor: number | null,
  buckets: [string, number][],
  holdsMinor: number,
  version: number,
  updatedAtMs: number,
];
/** Versions 1 to 4: the dedupe window as three lists of pairs (an EOD's id tagged "E" + asOfDate). */
type PairWindow = [messageIds: [string, string][], createdIds: [string, string][], removedIds: [string, string][]];

/** Version 6 before its window (DedupeWindow.partsJson), which the encoder appends as text. */
type EncodedV6Head = [codecVersion: 6, wakesAtRecovery: 0 | 1, facilityId: string | null, ...fields: BaseFields, originMs: number, transfers: TransferPart];

/** How every value that may stay dormant begins (the header's first two elements). */
const DORMANT_PREFIX = "[6,0,";

const NO_TRANSFERS: TransferPart = [[], [], []];

/** What Redis gives back is checked field by field before it becomes an account (a corrupt or forged value fails). */
const Minor = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
const Pairs = <T extends ReturnType<typeof Type.String> | typeof Minor>(value: T) => Type.Array(Type.Tuple([Type.String(), value]));
const baseSchemas = [
  Type.String({ minLength: 1 }),
  Type.Union([Type.String(), Type.Null()]),
  Type.Union([Type.Tuple([Minor, Type.String(), Type.Number(), Type.Integer({ minimum: 0 }), Type.String()]), Type.Null()]),
  Type.Union([Minor, Type.Null()]),
  Pairs(Minor),
  Minor,
  Type.Integer({ minimum: 0 }),
  Type.Integer({ minimum: 0 }),
];
const baseCheck = TypeCompiler.Compile(Type.Tuple(baseSchemas));
const pairFieldsCheck = TypeCompiler.Compile(Type.Tuple([...baseSchemas, Pairs(Type.String()), Pairs(Type.String()), Pairs(Type.String())]));

/** A snapshot value that is not an account this codec wrote. */
export class CorruptAccountError extends Error {}

export function encodeAccount(state: AccountState): string {
  const pieces = encodeAccountPieces(state);
  return assembleAccount(pieces.head, pieces.window);
}

/** The value `encodeAccount` writes, in its two pieces: the head without its closing bracket, and the window's parts. */
export interface AccountPieces {
  readonly head: string;
  readonly window: WindowParts;
}

export function encodeAccountPieces(state: AccountState): AccountPieces {
  // The window's JSON is kept by the window from one snapshot to the next (only new ids are escaped).
  return { head: encodeHead(state), window: state.dedupe.partsJson() };
}

/** The head of the value, without its closing bracket: everything but the window. */
export function encodeHead(state: AccountState): string {
  assertAccountState(state);
  const eod = state.eod;
  const encoded: EncodedV6Head = [
    ACCOUNT_CODEC_VERSION,
    staysDormant(state) ? 0 : 1,
    eod === null ? null : eod.facilityId,
    state.accountId,
    state.currency,
    eod === null ? null : [eod.balanceMinor, eod.date, eod.timestamp.epochSeconds, eod.timestamp.nanos, eod.facilityId],
    state.facilityLimitMinor,
    [...state.buckets],
    state.holdsMinor,
    state.version,
    state.updatedAtMs,
    state.originMs,
    encodeTransferPart(state.transfers, state.risk),
  ];
  return JSON.stringify(encoded).slice(0, -1);
}

/** The value of a head and a window's parts: what JSON.stringify would write of the whole. */
export function assembleAccount(head: string, window: WindowParts): string {
  return `${head},"${window.ids}",[${window.words}],${window.dates}]`;
}

/** The account in `text`; throws CorruptAccountError when it is not one. */
export function decodeAccount(text: string): AccountState {
  const parsed = parsedArray(text);
  if (parsed[0] === 6) return headedState(parsed);
  if (parsed[0] === 5) return windowPartsState(parsed, 1);
  // Version 1 had no tag: its first element is the account id.
  if (typeof parsed[0] === "string") return pairState(parsed, 0, NO_TRANSFERS);
  if (parsed[0] === 2) return pairState(parsed.slice(1), 0, NO_TRANSFERS);
  if (parsed[0] === 3) return pairState(parsed.slice(1, 12), parsed[12], NO_TRANSFERS);
  if (parsed[0] === 4) return pairState(parsed.slice(1, 12), parsed[12], parsed[13]);
  throw new CorruptAccountError(`unknown account codec version ${String(parsed[0])}`);
}

function parsedArray(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CorruptAccountError("an encoded account is not JSON");
  }
  if (!Array.isArray(parsed)) throw new CorruptAccountError("an encoded account is an array");
  return parsed;
}

/**
 * The Postgres copy's row of a dormant account (`accountId`'s), null without an EOD: read from its
 * text without building the account (no window, no Maps), for the copy after a recovery and
 * reconciliation, which read every dormant account. Its fields are checked as at load; its
 * window is checked when the account wakes.
 */
export function dormantRowOf(accountId: string, text: string): AccountRow | null {
  const parsed = parsedArray(text);
  if (parsed[0] !== ACCOUNT_CODEC_VERSION) throw new CorruptAccountError(`a dormant account of codec version ${String(parsed[0])}`);
  const [id, currency, eod, facilityLimitMinor, buckets, holdsMinor, version, updatedAtMs] = checkedBase(parsed.slice(3, 11));
  const originMs = parsed[11];
  if (id !== accountId) throw new CorruptAccountError(`a dormant account ${accountId} holds the state of ${id}`);
  if (typeof originMs !== "number" || !Number.isSafeInteger(originMs) || originMs < 0) throw new CorruptAccountError(`an encoded account has origin ${String(originMs)}`);
  if (eod === null || currency === null) return null;
  const figures = figuresOf(eod[0], buckets.reduce((sum, [, total]) => sum + total, 0), facilityLimitMinor, holdsMinor);
  if (figures === null) throw new CorruptAccountError("an encoded account's figures are out of range");
  return {
    accountId, balanceMinor: figures.currentMinor, availableMinor: figures.availableMinor, currency, eodDate: eod[1], version, originMs, updatedAtMs,
  };
}

/** Version 6: the header, then version 5's fields; the header must say what the state is. */
function headedState(parsed: unknown[]): AccountState {
  const state = windowPartsState(parsed, 3);
  const facilityId = state.eod === null ? null : state.eod.facilityId;
  if (parsed[1] !== (staysDormant(state) ? 0 : 1) || parsed[2] !== facilityId) throw new CorruptAccountError("an encoded account's header disagrees with its state");
  return state;
}

/** Versions 5 and 6 from `at` (the account id): the base fields, origin, transfers, the window's three parts. */
function windowPartsState(parsed: unknown[], at: number): AccountState {
  const window = DedupeWindow.fromParts(parsed[at + 10], parsed[at + 11], parsed[at + 12]);
  if (typeof window === "string") throw new CorruptAccountError(`an encoded account: ${window}`);
  return stateOf(checkedBase(parsed.slice(at, at + 8)), window, parsed[at + 8], parsed[at + 9]);
}

/** True when the value may stay encoded at recovery (its header says so; older versions never do). */
export function isDormantEncoding(text: string): boolean {
  return text.startsWith(DORMANT_PREFIX);
}

/**
 * Whether a dormant value's EOD uses `facilityId`, read from its header without decoding: the
 * header holds the id as JSON.stringify wrote it, so comparing the text is exact.
 */
export function dormantUsesFacility(text: string, facilityId: string): boolean {
  return isDormantEncoding(text) && text.startsWith(`${JSON.stringify(facilityId)},`, DORMANT_PREFIX.length);
}

function checkedBase(candidate: unknown[]): BaseFields {
  if (!baseCheck.Check(candidate)) throw new CorruptAccountError(`an encoded account does not fit the codec: ${baseCheck.Errors(candidate).First()?.path ?? "?"}`);
  return candidate as unknown as BaseFields;
}

/** Versions 1 to 4: the base fields, then the window's three lists of pairs. */
function pairState(candidate: unknown[], origin: unknown, transferPart: unknown): AccountState {
  if (!pairFieldsCheck.Check(candidate)) throw new CorruptAccountError(`an encoded account does not fit the codec: ${pairFieldsCheck.Errors(candidate).First()?.path ?? "?"}`);
  const [messageIds, createdIds, removedIds] = candidate.slice(8) as unknown as PairWindow;
  const window = new DedupeWindow();
  const add = (kind: WindowKind, id: string, date: string) => {
    if (id.length === 0 || id.length > ID_LENGTH_MAX) throw new CorruptAccountError(`an encoded account remembers an id of ${id.length} characters`);
    if (!window.has(windowNamespaceOf(kind), id)) window.add(kind, id, date); // a Map kept one of each
  };
  for (const [id, tag] of messageIds) {
    if (tag.startsWith(EOD_ID_MARK)) add(WindowKind.eodMessage, id, tag.slice(1));
    else add(WindowKind.transactionMessage, id, tag);
  }
  for (const [id, date] of createdIds) add(WindowKind.created, id, date);
  for (const [id, date] of removedIds) add(WindowKind.removed, id, date);
  return stateOf(candidate.slice(0, 8) as unknown as BaseFields, window, origin, transferPart);
}

/** Versions 1 to 4 marked an EOD message's id with "E" + its asOfDate. */
const EOD_ID_MARK = "E";

function stateOf(fields: BaseFields, window: DedupeWindow, origin: unknown, transferPart: unknown): AccountState {
  if (typeof origin !== "number" || !Number.isSafeInteger(origin) || origin < 0) throw new CorruptAccountError(`an encoded account has origin ${String(origin)}`);
  const originMs = origin;
  if (fields[1] !== null && minorDigitsOf(fields[1]) === undefined) throw new CorruptAccountError(`an encoded account has unknown currency ${fields[1]}`);
  const [accountId, currency, eod, facilityLimitMinor, buckets, holdsMinor, version, updatedAtMs] = fields;
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
    dedupe: window,
  };
  try {
    assertAccountState(state);
  } catch (error) {
    throw new CorruptAccountError(String(error));
  }
  return state;
}
