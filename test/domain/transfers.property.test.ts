/**
 * Property test of an account's actor with transfers: random sequences of authorizations,
 * confirmations, cancellations, expiries, ledger debit legs, bank transactions and EODs, checked
 * after every step against a small reference model: holds always equal the sum of the open
 * transfers, no authorization ever takes the available balance below zero, a refusal changes
 * nothing, and each status follows the contract's allowed changes.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { accountFiguresOf } from "../../src/domain/account/accountFigures.ts";
import { assertAccountState, type AccountState } from "../../src/domain/account/accountState.ts";
import { applyTransfer } from "../../src/domain/transfer/applyTransfer.ts";
import { authorizeTransfer } from "../../src/domain/transfer/authorizeTransfer.ts";
import { applyStatusChange, statusChangeOf } from "../../src/domain/transfer/changeTransferStatus.ts";
import { idempotencyScopeOf, type TransferStatus } from "../../src/domain/transfer/transfer.ts";
import { account, apply, eod, NOW_MS, txn } from "./builders.ts";

type Step =
  | { kind: "authorize"; amountMinor: number; payee: number }
  | { kind: "confirm" | "cancel" | "expire" | "post"; pick: number }
  | { kind: "transaction"; amountMinor: number }
  | { kind: "eod"; balanceMinor: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("authorize" as const), amountMinor: fc.integer({ min: 1, max: 400_000 }), payee: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("confirm" as const, "cancel" as const, "expire" as const, "post" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("transaction" as const), amountMinor: fc.integer({ min: -300_000, max: 300_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("eod" as const), balanceMinor: fc.integer({ min: -100_000, max: 500_000 }) }) },
);

/** The model: each transfer's status and amount, nothing else. */
interface Model {
  readonly transfers: Map<string, { status: TransferStatus; amountMinor: number }>;
}

const OPEN = new Set<TransferStatus>(["APPROVED", "PENDING_2FA"]);
const TARGET: Record<"confirm" | "cancel" | "expire" | "post", TransferStatus> = { confirm: "APPROVED", cancel: "REJECTED", expire: "EXPIRED", post: "POSTED" };
const ALLOWED_FROM: Record<TransferStatus, TransferStatus[]> = {
  PENDING_2FA: ["APPROVED", "REJECTED", "EXPIRED"], APPROVED: ["POSTED", "FAILED"], REJECTED: [], EXPIRED: [], POSTED: [], FAILED: [],
};
const heldIn = (model: Model) => [...model.transfers.values()].reduce((sum, t) => sum + (OPEN.has(t.status) ? t.amountMinor : 0), 0);
const usd = (minor: number) => `${minor < 0 ? "-" : ""}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, "0")}`;

function run(steps: Step[]): void {
  const state = account(eod({ balance: "1000.00" })); // limit 5000.00 (builders' facility)
  const model: Model = { transfers: new Map() };
  let n = 0;
  let day = 22;
  for (const s of steps) {
    n += 1;
    if (s.kind === "authorize") authorize(state, model, s, n);
    else if (s.kind === "transaction") apply(state, txn({ amount: usd(s.amountMinor), bookingDate: `2026-11-${day}` }));
    else if (s.kind === "eod") {
      apply(state, eod({ balance: usd(s.balanceMinor), asOfDate: `2026-11-${day}`, timestamp: `2026-11-${day + 1}T00:05:00Z` }));
      day = Math.min(day + 1, 28);
    } else change(state, model, s.kind, s.pick, day);
    assertAccountState(state);
    expect(state.holdsMinor).toBe(heldIn(model));
  }
}

function authorize(state: AccountState, model: Model, s: Extract<Step, { kind: "authorize" }>, n: number): void {
  const before = structuredClone(state);
  const availableBefore = accountFiguresOf(state)!.availableMinor!;
  const request = {
    transferId: `tr-${n}`, fromAccountId: "123", toAccountId: `payee-${s.payee}`, amountMinor: s.amountMinor, currency: "USD",
    reference: null, idempotencyScope: idempotencyScopeOf("app", `k-${n}`), requestFingerprint: String(n),
  };
  const decided = authorizeTransfer(state, request, { nowMs: NOW_MS + n * 1000, destinationCurrency: "USD" });
  if (s.amountMinor > availableBefore) {
    expect(decided).toEqual({ kind: "refused", code: "insufficient_funds" });
    expect(state).toEqual(before); // a refusal changes nothing
    return;
  }
  expect(decided.kind).toBe("decided");
  if (decided.kind !== "decided") return;
  applyTransfer(state, decided.transfer, NOW_MS + n * 1000);
  model.transfers.set(request.transferId, { status: decided.transfer.status, amountMinor: s.amountMinor });
  expect(accountFiguresOf(state)!.availableMinor!).toBeGreaterThanOrEqual(0); // never below zero through an authorization
}

function change(state: AccountState, model: Model, action: "confirm" | "cancel" | "expire" | "post", pick: number, day: number): void {
  const ids = [...model.transfers.keys()];
  if (ids.length === 0) return;
  const id = ids[pick % ids.length]!;
  const modelled = model.transfers.get(id)!;
  const to = TARGET[action];
  const allowed = ALLOWED_FROM[modelled.status].includes(to);
  if (action === "post") {
    // The ledger's debit leg: an ordinary transaction, which posts the transfer when it is APPROVED.
    apply(state, txn({ transactionId: `${id}:debit`, transferId: id, amount: usd(-modelled.amountMinor), bookingDate: `2026-11-${day}` }));
  } else {
    expect(statusChangeOf(state, id, to).kind).toBe(allowed ? "allowed" : "not_allowed");
    applyStatusChange(state, id, to, NOW_MS);
  }
  if (allowed) modelled.status = to;
  expect(state.transfers.get(id)?.status).toBe(modelled.status);
}

describe("an account's actor with transfers, against a reference model", () => {
  test("holds equal the open transfers, no authorization takes available below zero, every status change is one the contract allows", () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => run(steps)), { numRuns: 300 });
  });
});
