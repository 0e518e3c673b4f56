/** What reconciliation with the ledger calls a drift (contract section 9), transfer by transfer. */
import { expect, test } from "bun:test";
import { isLedgerDrift, type TransferFigures } from "../../src/domain/ledger/ledgerDrift.ts";

const figures = (status: TransferFigures["status"], overrides: Partial<TransferFigures> = {}): TransferFigures =>
  ({ status, fromAccountId: "A", toAccountId: "B", amountMinor: 5000, currency: "USD", ...overrides });

test("POSTED in the engine needs the same posting in the ledger", () => {
  expect(isLedgerDrift(figures("POSTED"), figures("POSTED"))).toBe(false);
  expect(isLedgerDrift(figures("POSTED"), null)).toBe(true);
  expect(isLedgerDrift(figures("POSTED"), figures("FAILED"))).toBe(true);
  expect(isLedgerDrift(figures("POSTED"), figures("POSTED", { amountMinor: 5001 }))).toBe(true);
  expect(isLedgerDrift(figures("POSTED"), figures("POSTED", { toAccountId: "C" }))).toBe(true);
});

test("a transfer FAILED in the engine that the ledger posted is a drift (a commit whose answer was lost)", () => {
  expect(isLedgerDrift(figures("FAILED"), figures("POSTED"))).toBe(true);
  expect(isLedgerDrift(figures("FAILED"), figures("FAILED"))).toBe(false);
  expect(isLedgerDrift(figures("FAILED"), null)).toBe(false);
});

test("APPROVED in the engine: posted in the ledger is a drift (its legs never came); not yet seen is lag", () => {
  expect(isLedgerDrift(figures("APPROVED"), figures("POSTED"))).toBe(true);
  expect(isLedgerDrift(figures("APPROVED"), null)).toBe(false);
});
