import { describe, expect, test } from "bun:test";
import { WindowNamespace } from "../../src/domain/account/dedupeWindow.ts";
import { assertAccountState, dedupeWindowSize, newAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyFacilityLimit } from "../../src/domain/account/applyFacilityLimit.ts";
import { applyMessage } from "../../src/domain/account/applyMessage.ts";
import { balanceViewOf } from "../../src/domain/account/balanceView.ts";
import { MINOR_MAX } from "../../src/domain/money.ts";
import { account, apply, ctx, currentMinor, effectKinds, eod, FACILITY_MINOR, NOW_MS, txn, valid } from "./builders.ts";

const snapshot = (state: AccountState) => structuredClone(state);

describe("rule 1: currency", () => {
  test("an account's currency is fixed by its first applied message; another currency is dead-lettered with currency_mismatch", () => {
    const state = account(txn({ currency: "EUR", amount: "10.00" }));
    expect(state.currency).toBe("EUR");
    const decision = apply(state, eod({ currency: "USD" }));
    expect(decision).toEqual({ outcome: "dead_lettered", reason: "currency_mismatch", effects: [{ kind: "dead_letter", reason: "currency_mismatch" }] });
    expect(apply(state, txn({ currency: "JPY", amount: "5" })).reason).toBe("currency_mismatch");
    expect(apply(state, eod({ currency: "EUR" })).outcome).toBe("applied");
  });

  test("a message needing its facility does not fix the currency", () => {
    const state = newAccountState("123");
    expect(applyMessage(state, valid(eod({ currency: "GBP" })), ctx({ facilityLimitMinor: undefined })).outcome).toBe("needs_facility");
    expect(state.currency).toBeNull();
    expect(apply(state, eod({ currency: "USD" })).outcome).toBe("applied");
  });

  test("currency_mismatch (rule 1) is checked before duplicates (rule 2)", () => {
    const first = txn({ messageId: "m-1", transactionId: "t-1" });
    const state = account(eod(), first);
    expect(apply(state, { ...first, currency: "EUR" }).reason).toBe("currency_mismatch");
  });
});

describe("rule 2: duplicates are ignored", () => {
  test("an EOD whose messageId the account has already applied is a duplicate (even with a later timestamp)", () => {
    const first = eod({ messageId: "m-1" });
    const state = account(first);
    expect(apply(state, first)).toEqual({ outcome: "duplicate", effects: [] });
    expect(apply(state, { ...first, timestamp: "2026-11-22T08:00:00Z", balance: "5.00" }).outcome).toBe("duplicate");
  });

  test("a transaction whose messageId the account has already applied is a duplicate", () => {
    const state = account(eod(), txn({ messageId: "m-2", transactionId: "t-1" }));
    expect(apply(state, txn({ messageId: "m-2", transactionId: "t-other" })).outcome).toBe("duplicate");
  });

  test("a transaction whose transactionId the account has applied with the same eventType is a duplicate", () => {
    const state = account(eod(), txn({ messageId: "m-2", transactionId: "t-9" }));
    expect(apply(state, txn({ messageId: "m-3", transactionId: "t-9" })).outcome).toBe("duplicate");
    expect(currentMinor(state)).toBe(100_000 - 5_000);
  });

  test("the same transactionId with the other eventType is not a duplicate", () => {
    const state = account(eod(), txn({ transactionId: "t-9", amount: "-50.00" }));
    const decision = apply(state, txn({ transactionId: "t-9", eventType: "TRANSACTION_REMOVED", amount: "-50.00" }));
    expect(decision.outcome).toBe("applied");
    expect(currentMinor(state)).toBe(100_000);
    expect(apply(state, txn({ transactionId: "t-9", eventType: "TRANSACTION_REMOVED" })).outcome).toBe("duplicate");
  });

  test("ids are per account: another account may reuse them", () => {
    const state = account(eod({ messageId: "m-1" }));
    const other = newAccountState("124");
    expect(apply(other, eod({ messageId: "m-1", accountId: "124" })).outcome).toBe("applied");
    expect(apply(state, eod({ messageId: "m-1" })).outcome).toBe("duplicate");
  });

  test("the ids of EODs of the current EOD date are remembered, including the day's fixes", () => {
    const first = eod({ messageId: "m-1" });
    const state = account(first, eod({ messageId: "m-fix", timestamp: "2026-11-22T03:00:00Z" }));
    expect(apply(state, first).outcome).toBe("duplicate");
  });

  test("the ids of EOD messages are forgotten when the EOD date moves on; a retry is then ignored as older", () => {
    const first = eod({ messageId: "m-1" });
    const state = account(first, eod({ messageId: "m-2", asOfDate: "2026-11-22", timestamp: "2026-11-23T00:05:00Z" }));
    expect(state.dedupe.has(WindowNamespace.message, "m-1")).toBe(false);
    expect(apply(state, first).outcome).toBe("ignored_older");
  });

  test("transaction ids are forgotten once an EOD covers their day (memory bounded by one business day)", () => {
    const state = account(
      eod({ asOfDate: "2026-11-21" }),
      txn({ bookingDate: "2026-11-22" }), txn({ bookingDate: "2026-11-22" }), txn({ bookingDate: "2026-11-23" }),
    );
    expect(dedupeWindowSize(state)).toBe(1 + 3 * 2);
    apply(state, eod({ asOfDate: "2026-11-22", balance: "900.00", timestamp: "2026-11-23T00:05:00Z" }));
    expect(dedupeWindowSize(state)).toBe(1 + 1 * 2);
    apply(state, eod({ asOfDate: "2026-11-23", balance: "850.00", timestamp: "2026-11-24T00:05:00Z" }));
    expect(dedupeWindowSize(state)).toBe(1);
  });

  test("a retried transaction whose day an EOD has covered is dead-lettered before_eod, not a duplicate", () => {
    const retried = txn({ bookingDate: "2026-11-22" });
    const state = account(eod(), retried, eod({ asOfDate: "2026-11-22", timestamp: "2026-11-23T00:05:00Z" }));
    expect(apply(state, retried).reason).toBe("before_eod");
  });
});

describe("rule 3: an EOD older than the current one is ignored", () => {
  test("an EOD for an earlier asOfDate is ignored_older, whatever its timestamp", () => {
    const state = account(eod({ asOfDate: "2026-11-21" }));
    expect(apply(state, eod({ asOfDate: "2026-11-20", timestamp: "2026-11-30T00:00:00Z" }))).toEqual({ outcome: "ignored_older", effects: [] });
  });

  test("an EOD for the same asOfDate with an earlier timestamp is ignored_older", () => {
    const state = account(eod({ timestamp: "2026-11-22T00:05:00Z" }));
    expect(apply(state, eod({ timestamp: "2026-11-22T00:04:59Z", balance: "1.00" })).outcome).toBe("ignored_older");
  });

  test("an EOD for the same asOfDate with an equal timestamp is ignored_older", () => {
    const state = account(eod({ timestamp: "2026-11-22T00:05:00Z" }));
    expect(apply(state, eod({ timestamp: "2026-11-22T00:05:00Z", balance: "1.00" })).outcome).toBe("ignored_older");
    expect(apply(state, eod({ timestamp: "2026-11-22T01:05:00+01:00", balance: "1.00" })).outcome).toBe("ignored_older");
  });

  test("timestamps compare as instants: a later wall-clock time in another offset can be older", () => {
    const state = account(eod({ timestamp: "2026-11-22T00:05:00Z" }));
    expect(apply(state, eod({ timestamp: "2026-11-22T00:30:00+01:00" })).outcome).toBe("ignored_older");
    expect(apply(state, eod({ timestamp: "2026-11-21T19:06:00-05:00" })).outcome).toBe("applied");
  });

  test("an older EOD is ignored before its facility is looked up", () => {
    const state = account(eod());
    const decision = applyMessage(state, valid(eod({ asOfDate: "2026-11-01" })), ctx({ facilityLimitMinor: undefined }));
    expect(decision.outcome).toBe("ignored_older");
  });
});

describe("rule 4: a transaction at or before the EOD", () => {
  test("a transaction booked on or before the EOD date is dead-lettered with before_eod", () => {
    const state = account(eod({ asOfDate: "2026-11-21" }));
    for (const bookingDate of ["2026-11-21", "2026-11-20", "2025-12-31"]) {
      expect(apply(state, txn({ bookingDate }))).toEqual({
        outcome: "dead_lettered", reason: "before_eod", effects: [{ kind: "dead_letter", reason: "before_eod" }],
      });
    }
    expect(currentMinor(state)).toBe(100_000);
  });

  test("a transaction booked after the EOD date is applied", () => {
    const state = account(eod({ asOfDate: "2026-11-21" }));
    expect(apply(state, txn({ bookingDate: "2026-11-22" })).outcome).toBe("applied");
  });
});

describe("rule 5: apply an EOD", () => {
  test("an EOD sets the EOD balance and date", () => {
    const state = account(eod({ balance: "1000.00", asOfDate: "2026-11-21", facilityId: "456" }));
    expect(state.eod).toMatchObject({ balanceMinor: 100_000, date: "2026-11-21", facilityId: "456" });
    expect(state.facilityLimitMinor).toBe(FACILITY_MINOR);
  });

  test("a later-day EOD drops only the buckets booked on or before its asOfDate and keeps later ones", () => {
    const state = account(
      eod({ asOfDate: "2026-11-21" }),
      txn({ bookingDate: "2026-11-22", amount: "10.00" }),
      txn({ bookingDate: "2026-11-23", amount: "20.00" }),
      txn({ bookingDate: "2026-11-24", amount: "40.00" }),
    );
    apply(state, eod({ asOfDate: "2026-11-23", balance: "500.00", timestamp: "2026-11-24T00:05:00Z" }));
    expect([...state.buckets]).toEqual([["2026-11-24", 4_000]]);
    expect(state.intradayTotalMinor).toBe(4_000);
    expect(currentMinor(state)).toBe(54_000);
    assertAccountState(state);
  });

  test("a fix of the same day changes only the EOD figure and keeps the transactions (eod_fix)", () => {
    const state = account(eod({ balance: "1000.00" }), txn({ amount: "100.00" }), txn({ amount: "-30.00" }));
    const decision = apply(state, eod({ balance: "2000.00", timestamp: "2026-11-22T06:00:00Z" }));
    expect(decision).toEqual({ outcome: "applied", effects: [{ kind: "balance_changed" }, { kind: "eod_fix" }] });
    expect(state.eod?.balanceMinor).toBe(200_000);
    expect(state.intradayTotalMinor).toBe(7_000);
    expect(currentMinor(state)).toBe(207_000);
  });

  test("a later-day EOD that differs from the engine's close gives an eod_mismatch effect and is still applied", () => {
    const state = account(eod({ balance: "1000.00" }), txn({ bookingDate: "2026-11-22", amount: "100.00" }), txn({ bookingDate: "2026-11-23", amount: "7.00" }));
    const decision = apply(state, eod({ asOfDate: "2026-11-22", balance: "1099.99", timestamp: "2026-11-23T00:05:00Z" }));
    expect(decision).toEqual({
      outcome: "applied",
      effects: [{ kind: "balance_changed" }, { kind: "eod_mismatch", engineCloseMinor: 110_000, eodBalanceMinor: 109_999 }],
    });
    expect(currentMinor(state)).toBe(109_999 + 700);
  });

  test("a later-day EOD equal to the engine's close (current EOD + buckets up to its date) gives no eod_mismatch", () => {
    const state = account(eod({ balance: "1000.00" }), txn({ bookingDate: "2026-11-22", amount: "100.00" }), txn({ bookingDate: "2026-11-23", amount: "7.00" }));
    const decision = apply(state, eod({ asOfDate: "2026-11-22", balance: "1100.00", timestamp: "2026-11-23T00:05:00Z" }));
    expect(effectKinds(decision)).toEqual(["balance_changed"]);
  });

  test("an EOD equal to the engine's close is no mismatch, even when the closed days alone sum beyond the range", () => {
    const H = "54043195528445.95"; // 0.6 × (2^53 − 1) minor units: one fits, two do not
    const state = account(
      eod({ asOfDate: "2026-11-21", balance: `-${H}` }),
      txn({ bookingDate: "2026-11-22", amount: H }),
      txn({ bookingDate: "2026-11-25", amount: `-${H}` }),
      txn({ bookingDate: "2026-11-23", amount: H }),
    );
    // Close of 11-23: −H + H + H = H, which fits; the EOD says exactly that.
    const decision = apply(state, eod({ asOfDate: "2026-11-23", balance: H, timestamp: "2026-11-24T00:05:00Z" }));
    expect(decision.outcome).toBe("applied");
    expect(effectKinds(decision)).toEqual(["balance_changed"]);
  });

  test("the first EOD is neither a fix nor compared with an engine close", () => {
    const state = newAccountState("123");
    expect(apply(state, txn({ bookingDate: "2026-11-20", amount: "99.00" }))).toMatchObject({ outcome: "applied" });
    expect(effectKinds(apply(state, eod({ balance: "1.00" })))).toEqual(["balance_changed"]);
  });

  test("an unknown facility: the EOD is applied with warning facility_not_found, available reads null, a copy goes to the DLQ", () => {
    const state = newAccountState("123");
    const decision = apply(state, eod({ facilityId: "nope" }), ctx({ facilityLimitMinor: null }));
    expect(decision).toEqual({
      outcome: "applied", warning: "facility_not_found",
      effects: [{ kind: "balance_changed" }, { kind: "dead_letter", reason: "facility_not_found" }],
    });
    expect(balanceViewOf(state)).toMatchObject({
      eodBalance: "1000.00", currentBalance: "1000.00", facilityLimit: null, facilityLimitKnown: false, availableBalance: null,
    });
  });

  test("an EOD that would apply asks for its facility first and changes nothing meanwhile", () => {
    const state = account(txn({ amount: "5.00" }));
    const before = snapshot(state);
    expect(applyMessage(state, valid(eod({ facilityId: "f-9" })), ctx({ facilityLimitMinor: undefined })))
      .toEqual({ outcome: "needs_facility", facilityId: "f-9" });
    expect(state).toEqual(before);
  });
});

describe("rule 5: apply a transaction", () => {
  test("TRANSACTION_CREATED adds its amount to its booking day's bucket", () => {
    const state = account(eod(), txn({ amount: "-50.00" }), txn({ amount: "20.25" }));
    expect(state.buckets.get("2026-11-22")).toBe(-2_975);
    expect(currentMinor(state)).toBe(97_025);
  });

  test("TRANSACTION_REMOVED subtracts its amount from its booking day's bucket", () => {
    const state = account(eod(), txn({ eventType: "TRANSACTION_REMOVED", amount: "-50.00" }), txn({ eventType: "TRANSACTION_REMOVED", amount: "20.00", bookingDate: "2026-11-23" }));
    expect([...state.buckets]).toEqual([["2026-11-22", 5_000], ["2026-11-23", -2_000]]);
    expect(currentMinor(state)).toBe(103_000);
  });
});

describe("rule 6: transactions before the first EOD", () => {
  test("transactions before the first EOD are kept, and the first EOD counts only those booked after its asOfDate", () => {
    const state = account(
      txn({ bookingDate: "2026-11-20", amount: "1.00" }),
      txn({ bookingDate: "2026-11-21", amount: "2.00" }),
      txn({ bookingDate: "2026-11-22", amount: "4.00" }),
      txn({ bookingDate: "2026-11-23", amount: "8.00" }),
    );
    expect(state.intradayTotalMinor).toBe(1_500);
    apply(state, eod({ asOfDate: "2026-11-21", balance: "1000.00" }));
    expect(state.intradayTotalMinor).toBe(1_200);
    expect(currentMinor(state)).toBe(101_200);
  });

  test("an account without an EOD has no balance view (404)", () => {
    expect(balanceViewOf(account(txn()))).toBeNull();
    expect(balanceViewOf(newAccountState("123"))).toBeNull();
  });
});

describe("version", () => {
  test("version increases by one with every applied change", () => {
    const state = newAccountState("123");
    expect(state.version).toBe(0);
    apply(state, txn());
    expect(state.version).toBe(1);
    apply(state, eod());
    expect(state.version).toBe(2);
    apply(state, eod({ timestamp: "2026-11-22T05:00:00Z" }));
    expect(state.version).toBe(3);
    apply(state, eod({ timestamp: "2026-11-22T05:00:00Z" }), ctx({ facilityLimitMinor: null }));
    expect(state.version).toBe(3);
  });

  test("a rejected message never changes the state (duplicate, older, before_eod, mismatch, out_of_range)", () => {
    const applied = txn({ messageId: "m-5", transactionId: "t-5", amount: "3.00" });
    const state = account(eod(), applied, txn({ bookingDate: "2026-11-23" }));
    const before = snapshot(state);
    const rejected = [
      applied,
      txn({ transactionId: "t-5" }),
      eod({ asOfDate: "2026-11-20" }),
      eod({ timestamp: "2026-11-22T00:05:00Z" }),
      txn({ bookingDate: "2026-11-21" }),
      txn({ currency: "EUR" }),
      eod({ currency: "CHF", asOfDate: "2026-11-22", timestamp: "2026-11-23T00:00:00Z" }),
      txn({ amount: "90071992547409.91" }),
      eod({ balance: "90071992547409.91", timestamp: "2026-11-22T07:00:00Z" }),
    ];
    for (const wire of rejected) {
      const decision = apply(state, wire, ctx({ nowMs: NOW_MS + 1_000 }));
      expect(decision.outcome).not.toBe("applied");
      expect(state).toEqual(before);
    }
  });
});

describe("out_of_range: totals stay within ±(2^53 − 1) minor units", () => {
  test("a transaction that would take the current balance beyond the range is dead-lettered out_of_range", () => {
    const state = newAccountState("123");
    const noFacility = ctx({ facilityLimitMinor: 0 });
    apply(state, eod({ balance: "90071992547409.00" }), noFacility);
    expect(apply(state, txn({ amount: "0.91" }), noFacility).outcome).toBe("applied");
    expect(currentMinor(state)).toBe(MINOR_MAX);
    expect(apply(state, txn({ amount: "0.01" }), noFacility)).toMatchObject({ outcome: "dead_lettered", reason: "out_of_range" });
    expect(currentMinor(state)).toBe(MINOR_MAX);
  });

  test("a transaction whose intraday total would leave the range is dead-lettered out_of_range", () => {
    const state = account(txn({ amount: "90071992547409.91" }));
    expect(apply(state, txn({ amount: "0.01", bookingDate: "2026-11-23" }))).toMatchObject({ outcome: "dead_lettered", reason: "out_of_range" });
  });

  test("a transaction whose available balance (facility + current) would leave the range is dead-lettered out_of_range", () => {
    const state = account(eod({ balance: "90071992542409.91" })); // + facility 5000.00 = 2^53 − 1
    expect(balanceViewOf(state)?.availableBalance).toBe("90071992547409.91");
    expect(apply(state, txn({ amount: "0.01" }))).toMatchObject({ outcome: "dead_lettered", reason: "out_of_range" });
    expect(apply(state, txn({ amount: "-0.01" })).outcome).toBe("applied");
  });

  test("an EOD whose balance plus the kept intraday total would leave the range is dead-lettered out_of_range", () => {
    const state = account(eod(), txn({ bookingDate: "2026-11-23", amount: "10.00" }));
    const decision = apply(state, eod({ asOfDate: "2026-11-22", balance: "90071992547409.90", timestamp: "2026-11-23T00:00:00Z" }), ctx({ facilityLimitMinor: 0 }));
    expect(decision).toMatchObject({ outcome: "dead_lettered", reason: "out_of_range" });
    expect(state.eod?.date).toBe("2026-11-21");
  });

  test("an EOD whose resulting figures are all in range is applied even when the closed days sum beyond the range", () => {
    // Buckets: 11-22 +H, 11-23 +H, 11-25 -H (H = 90000000000000.00). Intraday total +H is in range.
    const H = "90000000000000.00";
    const state = account(
      txn({ bookingDate: "2026-11-25", amount: `-${H}` }),
      txn({ bookingDate: "2026-11-22", amount: H }),
      txn({ bookingDate: "2026-11-23", amount: H }),
    );
    // The EOD for 11-23 closes +2H and keeps -H: eod 0, current -H, available -H: all within range.
    const decision = apply(state, eod({ asOfDate: "2026-11-23", balance: "0.00" }), ctx({ facilityLimitMinor: 0 }));
    expect(decision.outcome).toBe("applied");
  });
});

describe("high-value alert", () => {
  test("a TRANSACTION_CREATED at the threshold raises an alert when applied", () => {
    const state = account(eod());
    const decision = apply(state, txn({ transactionId: "t-big", amount: "10000.00" }));
    expect(decision.effects).toEqual([
      { kind: "balance_changed" },
      { kind: "alert", alert: { accountId: "123", transactionId: "t-big", amountMinor: 1_000_000, currency: "USD", bookingDate: "2026-11-22", atMs: NOW_MS } },
    ]);
  });

  test("an alert is raised for an absolute amount at or above the threshold (a large debit too)", () => {
    const state = account(eod());
    expect(effectKinds(apply(state, txn({ amount: "-10000.00" })))).toContain("alert");
    expect(effectKinds(apply(state, txn({ amount: "250000.01" })))).toContain("alert");
  });

  test("no alert below the threshold", () => {
    const state = account(eod());
    expect(effectKinds(apply(state, txn({ amount: "9999.99" })))).toEqual(["balance_changed"]);
    expect(effectKinds(apply(state, txn({ amount: "-9999.99" })))).toEqual(["balance_changed"]);
  });

  test("no alert for a TRANSACTION_REMOVED, however large", () => {
    const state = account(eod());
    expect(effectKinds(apply(state, txn({ eventType: "TRANSACTION_REMOVED", amount: "50000.00" })))).toEqual(["balance_changed"]);
  });

  test("no alert for a message that is not applied", () => {
    const state = account(eod());
    const big = txn({ amount: "20000.00" });
    apply(state, big);
    expect(apply(state, big).effects).toEqual([]);
    expect(effectKinds(apply(state, txn({ amount: "20000.00", bookingDate: "2026-11-21" })))).toEqual(["dead_letter"]);
  });

  test("the threshold counts in each currency's major units: 10000 JPY alerts, 9999 JPY does not", () => {
    const state = account(eod({ currency: "JPY", balance: "100000" }));
    expect(effectKinds(apply(state, txn({ currency: "JPY", amount: "10000" })))).toEqual(["balance_changed", "alert"]);
    expect(effectKinds(apply(state, txn({ currency: "JPY", amount: "9999" })))).toEqual(["balance_changed"]);
  });
});

describe("balance view", () => {
  test("balanceViewOf gives the contract's body with exact decimal strings", () => {
    const state = account(eod({ balance: "1000.00" }), txn({ amount: "100.00" }), txn({ amount: "100.00" }), txn({ amount: "-50.00" }));
    expect(balanceViewOf(state)).toEqual({
      accountId: "123", currency: "USD",
      eodBalance: "1000.00", eodDate: "2026-11-21",
      intradayTotal: "150.00", currentBalance: "1150.00",
      facilityLimit: "5000.00", facilityLimitKnown: true,
      holds: "0.00", availableBalance: "6150.00",
      version: 4, updatedAt: "2026-11-22T09:30:00.120Z",
    });
  });

  test("a JPY account reads with no fraction digits; a negative one keeps its sign", () => {
    const state = account(eod({ currency: "JPY", balance: "-500" }), txn({ currency: "JPY", amount: "-7" }));
    expect(balanceViewOf(state)).toMatchObject({ eodBalance: "-500", intradayTotal: "-7", currentBalance: "-507", facilityLimit: "500000", availableBalance: "499493", holds: "0" });
  });

  test("the seed's backfilling example: 1000.00 + 100 + 100 − 50 → 1150.00 (6150.00); fix 2000.00 → 2150.00 (7150.00)", () => {
    const state = account(
      eod({ balance: "1000.00", asOfDate: "2026-11-21" }),
      txn({ amount: "100.00" }), txn({ amount: "100.00" }), txn({ amount: "-50.00" }),
    );
    expect(balanceViewOf(state)).toMatchObject({ currentBalance: "1150.00", availableBalance: "6150.00" });
    const fix = apply(state, eod({ balance: "2000.00", asOfDate: "2026-11-21", timestamp: "2026-11-22T10:00:00Z" }));
    expect(effectKinds(fix)).toEqual(["balance_changed", "eod_fix"]);
    expect(balanceViewOf(state)).toMatchObject({ eodBalance: "2000.00", intradayTotal: "150.00", currentBalance: "2150.00", availableBalance: "7150.00" });
  });
});

describe("applyFacilityLimit: a facility limit changed during the day", () => {
  test("an account using the facility takes the new limit at once, with version +1", () => {
    const state = account(eod({ facilityId: "456" }), txn({ amount: "150.00" }));
    expect(applyFacilityLimit(state, "456", 750_000, NOW_MS + 5)).toBe("applied");
    expect(state.version).toBe(3);
    expect(state.updatedAtMs).toBe(NOW_MS + 5);
    expect(balanceViewOf(state)).toMatchObject({ facilityLimit: "7500.00", facilityLimitKnown: true, availableBalance: "8650.00" });
  });

  test("an account that uses another facility, or has no EOD, is not changed", () => {
    const state = account(eod({ facilityId: "456" }));
    expect(applyFacilityLimit(state, "999", 1, NOW_MS)).toBe("not_using_facility");
    expect(applyFacilityLimit(account(txn()), "456", 1, NOW_MS)).toBe("not_using_facility");
    expect(state.version).toBe(1);
  });

  test("the same limit again changes nothing", () => {
    const state = account(eod());
    expect(applyFacilityLimit(state, "456", FACILITY_MINOR, NOW_MS)).toBe("unchanged");
    expect(state.version).toBe(1);
  });

  test("a known limit for an account whose facility was unknown makes its available balance known", () => {
    const state = newAccountState("123");
    apply(state, eod(), ctx({ facilityLimitMinor: null }));
    expect(applyFacilityLimit(state, "456", 100, NOW_MS)).toBe("applied");
    expect(balanceViewOf(state)).toMatchObject({ facilityLimitKnown: true, availableBalance: "1001.00" });
  });

  test("a limit whose available balance would leave the range is refused and changes nothing", () => {
    const state = account(eod({ balance: "90071992542409.91" }), txn({ amount: "-0.01" }));
    const before = snapshot(state);
    expect(applyFacilityLimit(state, "456", FACILITY_MINOR + 2, NOW_MS)).toBe("out_of_range");
    expect(state).toEqual(before);
  });
});
