/** The snapshot codec: every version it ever wrote still loads; what it writes now round-trips. */
import { describe, expect, test } from "bun:test";
import { ACCOUNT_CODEC_VERSION, decodeAccount, dormantRowOf, dormantUsesFacility, encodeAccount, isDormantEncoding } from "../../src/adapters/redis/accountCodec.ts";
import { accountRowOf } from "../../src/runtime/accountRow.ts";
import { dedupeWindowSize, type AccountState } from "../../src/domain/account/accountState.ts";
import { WindowKind } from "../../src/domain/account/dedupeWindow.ts";
import { account, eod, txn } from "../domain/builders.ts";
import { authorizeTransfer } from "../../src/domain/transfer/authorizeTransfer.ts";
import { applyTransfer } from "../../src/domain/transfer/applyTransfer.ts";
import { idempotencyScopeOf } from "../../src/domain/transfer/transfer.ts";

/** `busy()` with an open transfer of 50.00 (its hold) and its risk history. */
function withTransfer() {
  const state = busy();
  const request = {
    transferId: "tr-1", fromAccountId: state.accountId, toAccountId: "999", amountMinor: 5000, currency: "USD", reference: "rent",
    idempotencyScope: idempotencyScopeOf("app", "k1"), requestFingerprint: "f".repeat(64),
  };
  const decided = authorizeTransfer(state, request, { nowMs: 1_795_340_000_000, destinationCurrency: "USD" });
  if (decided.kind !== "decided") throw new Error(`the fixture's transfer was ${decided.kind}`);
  applyTransfer(state, decided.transfer, 1_795_340_000_000);
  return state;
}

const busy = () => account(
  eod({ messageId: "e1", balance: "1000.00", asOfDate: "2026-11-21" }),
  txn({ messageId: "m1", transactionId: "t1", amount: "12.34", bookingDate: "2026-11-22" }),
  txn({ messageId: "m2", transactionId: "t2", amount: "-2.00", bookingDate: "2026-11-23" }),
  txn({ messageId: "m3", transactionId: "t1", eventType: "TRANSACTION_REMOVED", amount: "12.34", bookingDate: "2026-11-22" }),
);

/** Where version 6 keeps its fields: the version and its two header elements come first. */
const V6 = { holds: 8, buckets: 7, ids: 13 };

/** Exactly the layout version 5 wrote: version 6 without its header. */
function v5Of(state: AccountState): unknown[] {
  const v6 = JSON.parse(encodeAccount(state));
  return [5, ...v6.slice(3)];
}

/**
 * Exactly the layout version 4 wrote: the base fields, the window as three lists of [id, date]
 * pairs (an EOD's id tagged "E" + its asOfDate), the origin, the transfer part.
 */
function v4Of(state: AccountState): unknown[] {
  const v5 = v5Of(state) as any[];
  const pairs = (...kinds: WindowKind[]) => state.dedupe.list().filter((entry) => kinds.includes(entry.kind))
    .map((entry) => [entry.id, entry.kind === WindowKind.eodMessage ? `E${entry.date}` : entry.date]);
  return [4, ...v5.slice(1, 9), pairs(WindowKind.eodMessage, WindowKind.transactionMessage), pairs(WindowKind.created), pairs(WindowKind.removed), v5[9], v5[10]];
}

/**
 * A state with its window as the set of its entries: versions 1 to 4 kept each namespace apart,
 * so the order across namespaces is not theirs to keep (within one, it is).
 */
function withWindowAsSet(state: AccountState) {
  const keyOf = (entry: { kind: number; id: string }) => `${entry.kind === WindowKind.created ? 1 : entry.kind === WindowKind.removed ? 2 : 0}|${entry.id}`;
  return { ...state, dedupe: state.dedupe.list().sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1)) };
}

describe("the account codec", () => {
  test("a state written now decodes to the same state, dedupe window included", () => {
    const state = busy();
    const decoded = decodeAccount(encodeAccount(state));
    expect(decoded).toEqual(state);
    expect(dedupeWindowSize(decoded)).toBe(dedupeWindowSize(state));
  });

  test("what it writes now carries the codec version first", () => {
    expect(JSON.parse(encodeAccount(busy()))[0]).toBe(ACCOUNT_CODEC_VERSION);
  });

  test("a version 1 snapshot (no version tag, written before codecs were versioned) still loads", () => {
    // Exactly the layout version 1 wrote: [accountId, currency, eod, limit, buckets, holds, version, updatedAt, ids...].
    const v1 = JSON.stringify([
      "123", "USD", [100_000, "2026-11-21", 1_795_306_500, 0, "456"], 500_000,
      [["2026-11-22", 1234]], 0, 2, 1_795_340_000_000,
      [["e1", "E2026-11-21"], ["m1", "2026-11-22"]], [["t1", "2026-11-22"]], [],
    ]);
    const state = decodeAccount(v1);
    expect(state).toMatchObject({
      accountId: "123", currency: "USD", facilityLimitMinor: 500_000, intradayTotalMinor: 1234, version: 2,
      eod: { balanceMinor: 100_000, date: "2026-11-21", facilityId: "456", timestamp: { epochSeconds: 1_795_306_500, nanos: 0 } },
    });
    expect(state.dedupe.list()).toEqual([
      { kind: WindowKind.eodMessage, id: "e1", date: "2026-11-21" },
      { kind: WindowKind.transactionMessage, id: "m1", date: "2026-11-22" },
      { kind: WindowKind.created, id: "t1", date: "2026-11-22" },
    ]);
  });

  test("the state's origin is kept, so a recovered account keeps ordering its Postgres rows after the old ones", () => {
    const state = { ...busy(), originMs: 1_795_000_000_123 };
    expect(decodeAccount(encodeAccount(state)).originMs).toBe(1_795_000_000_123);
  });

  test("a version 2 snapshot (before origins) loads with origin 0, the origin of every row written before them", () => {
    const v4 = v4Of({ ...busy(), originMs: 5 });
    const v2 = JSON.stringify([2, ...v4.slice(1, 12)]);
    expect(withWindowAsSet(decodeAccount(v2))).toEqual(withWindowAsSet({ ...busy(), originMs: 0 }));
  });

  test("transfers, their keys, the holds and the risk history round-trip (version 4)", () => {
    const state = withTransfer();
    expect(state.holdsMinor).toBe(5000);
    const decoded = decodeAccount(encodeAccount(state));
    expect(decoded).toEqual(state);
    expect(decoded.transferKeys.get(idempotencyScopeOf("app", "k1"))).toBe("tr-1");
  });

  test("an account that never sent a transfer holds no risk history, written and read back as none", () => {
    const state = busy();
    expect(state.risk).toBeNull();
    const text = encodeAccount(state);
    expect(JSON.parse(text)[V6.ids - 1]).toEqual([[], [], []]);
    expect(decodeAccount(text).risk).toBeNull();
    expect(encodeAccount(decodeAccount(text))).toBe(text);
  });

  test("an account's first transfer starts its risk history, which the snapshot keeps", () => {
    const state = withTransfer();
    expect([...state.risk!.counterparties.keys()]).toEqual(["999"]);
    expect([...decodeAccount(encodeAccount(state)).risk!.counterparties.keys()]).toEqual(["999"]);
  });

  test("accounts that never sent a transfer share the empty transfer maps, also once read back from a snapshot", () => {
    const [one, other] = [busy(), busy()];
    expect(one.transfers).toBe(other.transfers);
    expect(one.transferKeys).toBe(other.transferKeys);
    const decoded = decodeAccount(encodeAccount(one));
    expect(decoded.transfers).toBe(one.transfers);
    expect(decoded.transferKeys).toBe(one.transferKeys);
  });

  test("an account's first transfer gives it transfer maps of its own: the shared ones stay empty", () => {
    const untouched = busy();
    const state = withTransfer();
    expect(state.transfers).not.toBe(untouched.transfers);
    expect([...state.transfers.keys()]).toEqual(["tr-1"]);
    expect(untouched.transfers.size).toBe(0);
    expect(untouched.transferKeys.size).toBe(0);
    expect(busy().transfers.size).toBe(0);
  });

  test("a version 3 snapshot (before transfers) loads with no transfers and no holds", () => {
    const v4 = v4Of(busy());
    const v3 = JSON.stringify([3, ...v4.slice(1, 13)]);
    expect(withWindowAsSet(decodeAccount(v3))).toEqual(withWindowAsSet(busy()));
  });

  test("a version 4 snapshot (the dedupe window as lists of pairs) loads to the same state", () => {
    const state = withTransfer();
    const decoded = decodeAccount(JSON.stringify(v4Of(state)));
    expect(withWindowAsSet(decoded)).toEqual(withWindowAsSet(state));
    // Within a namespace the order is kept: the applied EOD's id is still the last of its day.
    expect(decoded.dedupe.lastEodMessageIdOf("2026-11-21")).toBe("e1");
  });

  test("a version 5 snapshot (no header) loads to the same state", () => {
    const state = withTransfer();
    expect(decodeAccount(JSON.stringify(v5Of(state)))).toEqual(state);
  });

  test("a snapshot whose dedupe window does not add up fails loudly at load", () => {
    const encoded = JSON.parse(encodeAccount(busy()));
    const at = V6.ids;
    const ids: string = encoded[at];
    expect(() => decodeAccount(JSON.stringify([...encoded.slice(0, at), ids.slice(1), ...encoded.slice(at + 1)]))).toThrow(/dedupe window/);
    expect(() => decodeAccount(JSON.stringify([...encoded.slice(0, at), `${ids}x`, ...encoded.slice(at + 1)]))).toThrow(/dedupe window/);
    expect(() => decodeAccount(JSON.stringify([...encoded.slice(0, at + 1), [], ...encoded.slice(at + 2)]))).toThrow(/dedupe window/);
  });

  test("a snapshot whose holds disagree with its open transfers fails loudly at load", () => {
    const encoded = JSON.parse(encodeAccount(withTransfer()));
    encoded[V6.holds] = 4999;
    expect(() => decodeAccount(JSON.stringify(encoded))).toThrow(/holds/);
  });

  test("an unknown codec version fails loudly instead of loading a wrong state", () => {
    expect(() => decodeAccount(JSON.stringify([99, "123"]))).toThrow(/codec version 99/);
  });

  test("a snapshot whose buckets disagree with the EOD fails loudly at load", () => {
    const encoded = JSON.parse(encodeAccount(busy()));
    encoded[V6.buckets] = [["2026-11-20", 100]]; // a bucket inside the EOD's day: impossible
    expect(() => decodeAccount(JSON.stringify(encoded))).toThrow(/invariant/);
  });
});

describe("the header that lets a recovered account stay dormant", () => {
  test("an account with no transfer and a known facility limit may stay dormant", () => {
    expect(isDormantEncoding(encodeAccount(busy()))).toBe(true);
  });

  test("an account holding a transfer is decoded at recovery (its transfers are indexed and its holds counted)", () => {
    expect(isDormantEncoding(encodeAccount(withTransfer()))).toBe(false);
  });

  test("an account whose facility limit is unknown is decoded at recovery (the refresher must ask for it)", () => {
    expect(isDormantEncoding(encodeAccount({ ...busy(), facilityLimitMinor: null }))).toBe(false);
  });

  test("a snapshot of an older version is never left dormant", () => {
    expect(isDormantEncoding(JSON.stringify(v5Of(busy())))).toBe(false);
  });

  test("the header names the EOD's facility exactly, whatever characters the id has", () => {
    const state = busy();
    const facilityId = 'f"1\\,x';
    const encoded = encodeAccount({ ...state, eod: { ...state.eod!, facilityId } });
    expect(dormantUsesFacility(encoded, facilityId)).toBe(true);
    expect(dormantUsesFacility(encoded, 'f"1')).toBe(false);
    expect(dormantUsesFacility(encodeAccount(state), facilityId)).toBe(false);
  });

  test("a dormant account's row, read without building the account, is the row of the account decoded", () => {
    for (const state of [busy(), { ...busy(), originMs: 7, version: 41 }, account(eod({ messageId: "e9", balance: "-3.10" }))]) {
      const encoded = encodeAccount(state);
      expect(dormantRowOf(state.accountId, encoded)).toEqual(accountRowOf(decodeAccount(encoded)));
    }
    expect(dormantRowOf("123", encodeAccount(account()))).toBeNull(); // no EOD, no row
  });

  test("a dormant row filed under another account, or of fields that do not fit, fails loudly", () => {
    const encoded = encodeAccount(busy());
    expect(() => dormantRowOf("999", encoded)).toThrow(/holds the state of 123/);
    const fields = JSON.parse(encoded);
    fields[V6.holds] = "x";
    expect(() => dormantRowOf("123", JSON.stringify(fields))).toThrow(/does not fit/);
  });

  test("a value whose header disagrees with its state fails loudly at load", () => {
    const encoded = JSON.parse(encodeAccount(busy()));
    expect(() => decodeAccount(JSON.stringify([6, 1, ...encoded.slice(2)]))).toThrow(/header/);
    expect(() => decodeAccount(JSON.stringify([6, 0, "another facility", ...encoded.slice(3)]))).toThrow(/header/);
  });
});
