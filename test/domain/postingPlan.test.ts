/**
 * The ledger's decision for a batch (contract section 7): each approved transfer re-checked,
 * then two entries that balance, or a failure; at most once per transfer. Pure: no database.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { planPostings, type ApprovedTransfer, type LedgerAccount } from "../../src/domain/ledger/postingPlan.ts";
import { ledgerLegsOf } from "../../src/domain/ledger/ledgerLegs.ts";

const approved = (overrides: Partial<ApprovedTransfer> = {}): ApprovedTransfer => ({
  transferId: "t-1", fromAccountId: "A", toAccountId: "B", amountMinor: 5000, currency: "USD", status: "APPROVED",
  riskScore: 0.2, reference: null, idempotencyScope: '["c","k"]', createdAtMs: 0, ...overrides,
});
const accounts = (...list: [string, string, number][]) =>
  new Map<string, LedgerAccount>(list.map(([id, currency, balanceMinor]) => [id, { id, currency, balanceMinor, version: 0 }]));
const USD_AB = accounts(["A", "USD", 0], ["B", "USD", 0]);

describe("re-checks: a transfer that fails one is failed, with its reason, and moves nothing", () => {
  const cases: [string, Partial<ApprovedTransfer>, string][] = [
    ["a status other than APPROVED", { status: "PENDING_2FA" }, "not_approved"],
    ["a score above 0.85", { riskScore: 0.86 }, "risk_too_high"],
    ["the same account on both sides", { toAccountId: "A" }, "same_account"],
    ["a currency the engine does not know", { currency: "XXX" }, "unknown_currency"],
    ["a currency other than the ledger accounts'", { currency: "EUR" }, "currency_mismatch"],
  ];
  for (const [what, overrides, reason] of cases) {
    test(what, () => {
      const plan = planPostings([approved(overrides)], USD_AB, new Set());
      expect(plan.outcomes).toEqual([{ kind: "failed", transfer: approved(overrides), reason: reason as never }]);
      expect(plan.changedAccounts).toEqual([]);
    });
  }

  test("a balance that would leave the exact range", () => {
    const plan = planPostings([approved()], accounts(["A", "USD", -Number.MAX_SAFE_INTEGER + 1], ["B", "USD", 0]), new Set());
    expect(plan.outcomes[0]).toMatchObject({ kind: "failed", reason: "balance_out_of_range" });
  });
});

test("a posted transfer is a debit on the source and a credit on the destination of its amount, with each balance after", () => {
  const plan = planPostings([approved()], accounts(["A", "USD", 100], ["B", "USD", 7]), new Set());
  expect(plan.outcomes[0]).toMatchObject({
    kind: "posted",
    entries: [
      { transactionId: "t-1", accountId: "A", direction: "DEBIT", amountMinor: 5000, balanceAfterMinor: -4900 },
      { transactionId: "t-1", accountId: "B", direction: "CREDIT", amountMinor: 5000, balanceAfterMinor: 5007 },
    ],
  });
  expect(plan.changedAccounts).toEqual([
    { id: "A", currency: "USD", balanceMinor: -4900, version: 1 }, { id: "B", currency: "USD", balanceMinor: 5007, version: 1 },
  ]);
});

test("a transfer the ledger already has, or one named twice in the batch, is planned once", () => {
  const plan = planPostings([approved({ transferId: "old" }), approved(), approved()], USD_AB, new Set(["old"]));
  expect(plan.outcomes.map((outcome) => outcome.transfer.transferId)).toEqual(["t-1"]);
  expect(plan.changedAccounts.map((account) => account.balanceMinor)).toEqual([-5000, 5000]);
});

test("the legs: the debit negative on the source, the credit positive on the destination, ids fixed by the transfer", () => {
  const [debit, credit] = ledgerLegsOf(approved({ amountMinor: 12345 }), Date.UTC(2026, 11, 1, 9, 30));
  expect(debit).toEqual({
    type: "TRANSACTION", messageId: "ledger:t-1:debit", accountId: "A", eventType: "TRANSACTION_CREATED", transactionId: "t-1:debit",
    amount: "-123.45", currency: "USD", bookingDate: "2026-12-01", timestamp: "2026-12-01T09:30:00.000Z", transferId: "t-1",
  });
  expect(credit).toMatchObject({ accountId: "B", transactionId: "t-1:credit", amount: "123.45", transferId: "t-1" });
});

test("any batch: debits equal credits, each account's balance is its entries' sum, each transfer at most once", () => {
  const ids = ["A", "B", "C", "D"];
  const transfer = fc.record({
    transferId: fc.constantFrom("t1", "t2", "t3", "t4", "t5", "t6"), fromAccountId: fc.constantFrom(...ids), toAccountId: fc.constantFrom(...ids),
    amountMinor: fc.integer({ min: 1, max: 1_000_000 }), currency: fc.constantFrom("USD", "USD", "EUR"),
    status: fc.constantFrom("APPROVED" as const, "APPROVED" as const, "PENDING_2FA" as const), riskScore: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  fc.assert(fc.property(fc.array(transfer, { maxLength: 30 }), fc.subarray(["t1", "t2"]), (batch, done) => {
    const start = accounts(...ids.map((id) => [id, "USD", 0] as [string, string, number]));
    const plan = planPostings(batch.map((t) => approved(t)), start, new Set(done));
    const posted = plan.outcomes.flatMap((outcome) => outcome.kind === "posted" ? [outcome] : []);
    const seen = plan.outcomes.map((outcome) => outcome.transfer.transferId);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of done) expect(seen).not.toContain(id);
    const sums = new Map(ids.map((id) => [id, 0]));
    for (const { entries } of posted) {
      expect(entries[0].amountMinor).toBe(entries[1].amountMinor);
      sums.set(entries[0].accountId, sums.get(entries[0].accountId)! - entries[0].amountMinor);
      sums.set(entries[1].accountId, sums.get(entries[1].accountId)! + entries[1].amountMinor);
    }
    for (const account of plan.changedAccounts) expect(account.balanceMinor).toBe(sums.get(account.id)!);
    for (const id of ids) if (!plan.changedAccounts.some((account) => account.id === id)) expect(sums.get(id)).toBe(0);
  }), { numRuns: 300 });
});
