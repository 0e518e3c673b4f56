/** The snapshot codec: every version it ever wrote still loads; what it writes now round-trips. */
import { describe, expect, test } from "bun:test";
import { ACCOUNT_CODEC_VERSION, decodeAccount, encodeAccount } from "../../src/adapters/redis/accountCodec.ts";
import { dedupeWindowSize } from "../../src/domain/account/accountState.ts";
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
    expect([...state.messageIds.keys()]).toEqual(["e1", "m1"]);
    expect([...state.createdIds.keys()]).toEqual(["t1"]);
  });

  test("the state's origin is kept, so a recovered account keeps ordering its Postgres rows after the old ones", () => {
    const state = { ...busy(), originMs: 1_795_000_000_123 };
    expect(decodeAccount(encodeAccount(state)).originMs).toBe(1_795_000_000_123);
  });

  test("a version 2 snapshot (before origins) loads with origin 0, the origin of every row written before them", () => {
    const v3 = JSON.parse(encodeAccount({ ...busy(), originMs: 5 }));
    const v2 = JSON.stringify([2, ...v3.slice(1, 12)]);
    expect(decodeAccount(v2)).toEqual({ ...busy(), originMs: 0 });
  });

  test("transfers, their keys, the holds and the risk history round-trip (version 4)", () => {
    const state = withTransfer();
    expect(state.holdsMinor).toBe(5000);
    const decoded = decodeAccount(encodeAccount(state));
    expect(decoded).toEqual(state);
    expect(decoded.transferKeys.get(idempotencyScopeOf("app", "k1"))).toBe("tr-1");
  });

  test("a version 3 snapshot (before transfers) loads with no transfers and no holds", () => {
    const v4 = JSON.parse(encodeAccount(busy()));
    const v3 = JSON.stringify([3, ...v4.slice(1, 13)]);
    expect(decodeAccount(v3)).toEqual(busy());
  });

  test("a snapshot whose holds disagree with its open transfers fails loudly at load", () => {
    const encoded = JSON.parse(encodeAccount(withTransfer()));
    encoded[6] = 4999; // holdsMinor
    expect(() => decodeAccount(JSON.stringify(encoded))).toThrow(/holds/);
  });

  test("an unknown codec version fails loudly instead of loading a wrong state", () => {
    expect(() => decodeAccount(JSON.stringify([99, "123"]))).toThrow(/codec version 99/);
  });

  test("a snapshot whose buckets disagree with the EOD fails loudly at load", () => {
    const encoded = JSON.parse(encodeAccount(busy()));
    encoded[5] = [["2026-11-20", 100]]; // a bucket inside the EOD's day: impossible
    expect(() => decodeAccount(JSON.stringify(encoded))).toThrow(/invariant/);
  });
});
