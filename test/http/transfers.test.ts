/**
 * The transfer API over HTTP against a real engine (embedded mode): each answer of the contract,
 * holds in the balance, idempotency, 2FA, and the ledger's debit leg posting a transfer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bodyOf, eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { connect } from "../support/wsClient.ts";
import { metricDelta, scrapeMetrics } from "../support/metrics.ts";

let engine: EngineUnderTest;
beforeAll(async () => {
  // The per-source limit has a test of its own below; here it must not get in the way of bursts.
  // The hot path alone: approved transfers stay APPROVED (the ledger has its own tests).
  engine = await startEngineUnderTest({ TRANSFER_2FA_TIMEOUT_MS: "1500", RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: "100000", LEDGER_IN_PROCESS: "0" });
});
afterAll(() => engine.stop());

let keys = 0;
const newKey = () => `key-${++keys}-${Date.now()}`;
let accounts = 0;

/** An account with an EOD of `balance` and no facility limit of its own (facility none: limit unknown), so a limit is set. */
async function account(balance = "1000.00", currency = "USD"): Promise<string> {
  const id = `TR${++accounts}`;
  await engine.put(`/v1/admin/facilities/fac-${id}`, { limit: "0", currency });
  await engine.post("/v1/events", eod({ accountId: id, facilityId: `fac-${id}`, balance, currency }));
  return id;
}

function transfer(body: Record<string, unknown>, key: string | null = newKey()): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers["idempotency-key"] = key;
  return fetch(`${engine.base}/v1/transfers`, { method: "POST", headers, body: JSON.stringify(body) });
}

const balanceOf = async (id: string) => bodyOf(await engine.get(`/v1/accounts/${id}/balance`));

describe("POST /v1/transfers", () => {
  test("an approved transfer is 201 with Location, and its hold is in holds and availableBalance at once", async () => {
    const [from, to] = [await account(), await account()];
    const response = await transfer({ fromAccountId: from, toAccountId: to, amount: "50.00", currency: "USD", reference: "rent" });
    expect(response.status).toBe(201);
    const body = await bodyOf(response);
    expect(body).toMatchObject({ status: "APPROVED", decision: "APPROVE", fromAccountId: from, toAccountId: to, amount: "50.00", currency: "USD", reference: "rent" });
    expect(response.headers.get("location")).toBe(`/v1/transfers/${body.transferId}`);
    expect(await balanceOf(from)).toMatchObject({ currentBalance: "1000.00", holds: "50.00", availableBalance: "950.00" });
  });

  test("riskFactors explain the score: the score is the sum of value × weight", async () => {
    const [from, to] = [await account(), await account()];
    const body = await bodyOf(await transfer({ fromAccountId: from, toAccountId: to, amount: "100.00", currency: "USD" }));
    const sum = body.riskFactors.reduce((total: number, f: { value: number; weight: number }) => total + f.value * f.weight, 0);
    expect(body.riskScore).toBeCloseTo(sum, 4);
    expect(body.riskFactors.map((f: { name: string }) => f.name)).toEqual(["available_share", "amount_deviation", "new_counterparty", "count_1h", "count_24h"]);
  });

  test("more than the available balance is 422 insufficient_funds, and nothing is reserved", async () => {
    const [from, to] = [await account("100.00"), await account()];
    const response = await transfer({ fromAccountId: from, toAccountId: to, amount: "100.01", currency: "USD" });
    expect(response.status).toBe(422);
    expect((await bodyOf(response)).error.code).toBe("insufficient_funds");
    expect((await balanceOf(from)).holds).toBe("0.00");
  });

  test("a currency that is not both accounts' currency is 422 currency_mismatch", async () => {
    const [from, to] = [await account(), await account("10.00", "EUR")];
    const response = await transfer({ fromAccountId: from, toAccountId: to, amount: "1.00", currency: "USD" });
    expect(response.status).toBe(422);
    expect((await bodyOf(response)).error.code).toBe("currency_mismatch");
  });

  test("a source or a destination without an EOD is 404 account_not_found", async () => {
    const known = await account();
    for (const body of [{ fromAccountId: "nobody", toAccountId: known }, { fromAccountId: known, toAccountId: "nobody" }]) {
      const response = await transfer({ ...body, amount: "1.00", currency: "USD" });
      expect(response.status).toBe(404);
      expect((await bodyOf(response)).error.code).toBe("account_not_found");
    }
  });

  test("no Idempotency-Key is 400 idempotency_key_missing; a key that is not printable ASCII is 400 idempotency_key_invalid", async () => {
    const [from, to] = [await account(), await account()];
    const missing = await transfer({ fromAccountId: from, toAccountId: to, amount: "1.00", currency: "USD" }, null);
    expect(missing.status).toBe(400);
    expect((await bodyOf(missing)).error).toMatchObject({ code: "idempotency_key_missing", field: "headers.idempotency-key" });
    const invalid = await transfer({ fromAccountId: from, toAccountId: to, amount: "1.00", currency: "USD" }, "x".repeat(256));
    expect((await bodyOf(invalid)).error.code).toBe("idempotency_key_invalid");
  });

  test("a zero or negative amount, or a source equal to the destination, is 400 naming the field", async () => {
    const [from, to] = [await account(), await account()];
    for (const amount of ["0.00", "-5.00", "1.001", "abc"]) {
      const response = await transfer({ fromAccountId: from, toAccountId: to, amount, currency: "USD" });
      expect({ amount, status: response.status, field: (await bodyOf(response)).error.field }).toEqual({ amount, status: 400, field: "body.amount" });
    }
    const same = await transfer({ fromAccountId: from, toAccountId: from, amount: "1.00", currency: "USD" });
    expect((await bodyOf(same)).error.field).toBe("body.toAccountId");
  });
});

describe("idempotency", () => {
  test("the same key and body replays the first answer with Idempotent-Replayed: true, and holds once", async () => {
    const [from, to] = [await account(), await account()];
    const key = newKey();
    const request = { fromAccountId: from, toAccountId: to, amount: "10.00", currency: "USD" };
    const first = await transfer(request, key);
    const again = await transfer(request, key);
    expect(again.status).toBe(first.status);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await bodyOf(again)).toEqual(await bodyOf(first));
    expect((await balanceOf(from)).holds).toBe("10.00");
  });

  test("the same key with another body is 422 idempotency_key_reused", async () => {
    const [from, to] = [await account(), await account()];
    const key = newKey();
    await transfer({ fromAccountId: from, toAccountId: to, amount: "10.00", currency: "USD" }, key);
    const other = await transfer({ fromAccountId: from, toAccountId: to, amount: "11.00", currency: "USD" }, key);
    expect(other.status).toBe(422);
    expect((await bodyOf(other)).error.code).toBe("idempotency_key_reused");
  });

  test("50 concurrent requests with one key and body create exactly one transfer; the others replay it or get 409", async () => {
    const [from, to] = [await account(), await account()];
    const key = newKey();
    const request = { fromAccountId: from, toAccountId: to, amount: "7.00", currency: "USD" };
    const responses = await Promise.all(Array.from({ length: 50 }, () => transfer(request, key)));
    const bodies = await Promise.all(responses.map(bodyOf));
    const created = new Set(bodies.filter((_, i) => responses[i]!.status === 201).map((body) => body.transferId));
    expect(created.size).toBe(1);
    expect(responses.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect((await balanceOf(from)).holds).toBe("7.00");
  });
});

describe("holds", () => {
  test("200 concurrent transfers from one account never reserve more than its available balance, and holds equal the 201s' sum", async () => {
    const from = await account("1000.00");
    const targets = await Promise.all(Array.from({ length: 5 }, () => account()));
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      transfer({ fromAccountId: from, toAccountId: targets[i % 5]!, amount: "7.00", currency: "USD" })));
    const bodies = await Promise.all(responses.map(bodyOf));
    const heldMinor = bodies.filter((_, i) => responses[i]!.status === 201 && bodies[i].status !== "REJECTED")
      .reduce((sum, body) => sum + Math.round(Number(body.amount) * 100), 0);
    expect(heldMinor).toBeLessThanOrEqual(100_000);
    expect(responses.some((r) => r.status === 422)).toBe(true); // 200 × 7.00 is more than 1000.00
    const balance = await balanceOf(from);
    expect(balance.holds).toBe((heldMinor / 100).toFixed(2));
    expect(Number(balance.availableBalance)).toBeGreaterThanOrEqual(0);
  });
});

/** A history that makes the next large transfer look risky: `small` transfers of 1.00 to one payee. */
async function riskyAccount(small: number): Promise<{ from: string; payee: string; stranger: string }> {
  const [from, payee, stranger] = [await account(), await account(), await account()];
  for (let i = 0; i < small; i++) await transfer({ fromAccountId: from, toAccountId: payee, amount: "1.00", currency: "USD" });
  return { from, payee, stranger };
}

describe("the risk score decides", () => {
  test("a score above 0.60 is 201 PENDING_2FA with a hold", async () => {
    const { from, stranger } = await riskyAccount(5);
    const response = await transfer({ fromAccountId: from, toAccountId: stranger, amount: "900.00", currency: "USD" });
    const body = await bodyOf(response);
    expect({ status: response.status, transferStatus: body.status, decision: body.decision }).toEqual({ status: 201, transferStatus: "PENDING_2FA", decision: "REQUIRE_2FA" });
    expect(body.riskScore).toBeGreaterThan(0.6);
    expect((await balanceOf(from)).holds).toBe("905.00");
  });

  test("a score above 0.85 is 403 transfer_denied with the transfer REJECTED, and no hold", async () => {
    const { from, stranger } = await riskyAccount(10);
    const response = await transfer({ fromAccountId: from, toAccountId: stranger, amount: "900.00", currency: "USD" });
    const body = await bodyOf(response);
    expect(response.status).toBe(403);
    expect(body.error.code).toBe("transfer_denied");
    expect(body.transfer).toMatchObject({ status: "REJECTED", decision: "DENY" });
    expect(body.transfer.riskScore).toBeGreaterThan(0.85);
    expect((await balanceOf(from)).holds).toBe("10.00");
  });
});

describe("after the decision", () => {
  const pending = async () => {
    const { from, stranger } = await riskyAccount(5);
    const body = await bodyOf(await transfer({ fromAccountId: from, toAccountId: stranger, amount: "900.00", currency: "USD" }));
    expect(body.status).toBe("PENDING_2FA");
    return { from, transferId: body.transferId as string };
  };
  const post = (path: string) => fetch(`${engine.base}${path}`, { method: "POST" });

  test("confirm turns PENDING_2FA into APPROVED and keeps the hold; a second confirm is 409 transfer_not_pending", async () => {
    const { from, transferId } = await pending();
    const confirmed = await post(`/v1/transfers/${transferId}/confirm`);
    expect((await bodyOf(confirmed)).status).toBe("APPROVED");
    expect((await balanceOf(from)).holds).toBe("905.00");
    const again = await post(`/v1/transfers/${transferId}/confirm`);
    expect(again.status).toBe(409);
    expect((await bodyOf(again)).error.code).toBe("transfer_not_pending");
  });

  test("cancel ends a PENDING_2FA transfer REJECTED and releases its hold", async () => {
    const { from, transferId } = await pending();
    expect((await bodyOf(await post(`/v1/transfers/${transferId}/cancel`))).status).toBe("REJECTED");
    expect((await balanceOf(from)).holds).toBe("5.00");
  });

  test("a PENDING_2FA transfer not confirmed within TRANSFER_2FA_TIMEOUT_MS ends EXPIRED and its hold is released", async () => {
    const { from, transferId } = await pending();
    const deadline = Date.now() + 10_000;
    let status = "";
    while (Date.now() < deadline && status !== "EXPIRED") {
      await Bun.sleep(200);
      status = (await bodyOf(await engine.get(`/v1/transfers/${transferId}`))).status;
    }
    expect(status).toBe("EXPIRED");
    expect((await balanceOf(from)).holds).toBe("5.00");
  });

  test("the ledger's debit leg posts the transfer: POSTED, its hold released, the money gone from the current balance", async () => {
    const [from, to] = [await account(), await account()];
    const { transferId } = await bodyOf(await transfer({ fromAccountId: from, toAccountId: to, amount: "40.00", currency: "USD" }));
    await engine.post("/v1/events", txn({ accountId: from, transactionId: `${transferId}:debit`, transferId, amount: "-40.00" }));
    expect((await bodyOf(await engine.get(`/v1/transfers/${transferId}`))).status).toBe("POSTED");
    expect(await balanceOf(from)).toMatchObject({ currentBalance: "960.00", holds: "0.00", availableBalance: "960.00" });
  });

  test("GET of an unknown transfer is 404 transfer_not_found", async () => {
    const response = await engine.get("/v1/transfers/no-such-transfer");
    expect(response.status).toBe(404);
    expect((await bodyOf(response)).error.code).toBe("transfer_not_found");
  });
});

describe("status changes are pushed over WebSocket", () => {
  test("a subscriber of the transfer and one of its source account each get {type: transfer} on every change", async () => {
    const { from, stranger } = await riskyAccount(5);
    const { transferId } = await bodyOf(await transfer({ fromAccountId: from, toAccountId: stranger, amount: "900.00", currency: "USD" }));
    const byTransfer = await connect(engine.wsUrl);
    const byAccount = await connect(engine.wsUrl);
    try {
      byTransfer.send({ op: "subscribe", transfers: [transferId] });
      byAccount.send({ op: "subscribe", accounts: [from] });
      // On subscribe the transfer's subscriber gets it as it is now.
      expect(await byTransfer.next((m) => m.type === "transfer")).toMatchObject({ transferId, status: "PENDING_2FA" });
      await byAccount.next((m) => m.type === "balance" && m.accountId === from);
      await fetch(`${engine.base}/v1/transfers/${transferId}/confirm`, { method: "POST" });
      for (const socket of [byTransfer, byAccount]) {
        expect(await socket.next((m) => m.type === "transfer" && m.status === "APPROVED")).toMatchObject({ transferId, fromAccountId: from, amount: "900.00" });
      }
    } finally {
      byTransfer.close();
      byAccount.close();
    }
  });
});

describe("metrics", () => {
  test("each decision counts in transfers_total{decision} and each refusal in transfer_refusals_total{code}", async () => {
    const [from, to] = [await account("100.00"), await account()];
    const before = await scrapeMetrics(engine.base);
    await transfer({ fromAccountId: from, toAccountId: to, amount: "1.00", currency: "USD" });
    await transfer({ fromAccountId: from, toAccountId: to, amount: "500.00", currency: "USD" });
    const after = await scrapeMetrics(engine.base);
    expect(metricDelta(before, after, "transfers_total", { decision: "APPROVE" })).toBe(1);
    expect(metricDelta(before, after, "transfer_refusals_total", { code: "insufficient_funds" })).toBe(1);
  });
});

describe("the per-source-account limit", () => {
  test("past RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND from one source: 429 rate_limited with Retry-After; another source is not limited", async () => {
    const limited = await startEngineUnderTest({ RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: "5", LEDGER_IN_PROCESS: "0" });
    try {
      for (const id of ["L1", "L2", "L3"]) {
        await limited.put(`/v1/admin/facilities/fac-${id}`, { limit: "0" });
        await limited.post("/v1/events", eod({ accountId: id, facilityId: `fac-${id}`, balance: "1000.00" }));
      }
      const send = (from: string, i: number) => fetch(`${limited.base}/v1/transfers`, {
        method: "POST", headers: { "content-type": "application/json", "idempotency-key": `limit-${from}-${i}` },
        body: JSON.stringify({ fromAccountId: from, toAccountId: "L3", amount: "1.00", currency: "USD" }),
      });
      const flood = await Promise.all(Array.from({ length: 20 }, (_, i) => send("L1", i)));
      const refused = flood.filter((r) => r.status === 429);
      expect(refused.length).toBeGreaterThanOrEqual(10);
      expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await bodyOf(refused[0]!)).error.code).toBe("rate_limited");
      expect((await send("L2", 0)).status).toBe(201);
    } finally {
      await limited.stop();
    }
  });
});

describe("explain", () => {
  test("?explain=true lists each open transfer's hold, and facilityLimit + currentBalance − the holds = availableBalance", async () => {
    const [from, to] = [await account(), await account()];
    const first = await bodyOf(await transfer({ fromAccountId: from, toAccountId: to, amount: "30.00", currency: "USD" }));
    await transfer({ fromAccountId: from, toAccountId: to, amount: "20.00", currency: "USD" });
    const body = await bodyOf(await engine.get(`/v1/accounts/${from}/balance?explain=true`));
    expect(body.explain.holds.map((hold: { amount: string }) => hold.amount)).toEqual(["30.00", "20.00"]);
    expect(body.explain.holds[0]).toMatchObject({ transferId: first.transferId, since: first.createdAt });
    const cents = (text: string) => Math.round(Number(text) * 100);
    const heldCents = body.explain.holds.reduce((sum: number, hold: { amount: string }) => sum + cents(hold.amount), 0);
    expect(cents(body.facilityLimit) + cents(body.currentBalance) - heldCents).toBe(cents(body.availableBalance));
    expect(body.holds).toBe("50.00");
  });
});

describe("history", () => {
  test("a hold is logged: ?asOf= at the push of a transfer's hold answers that push's version and holds", async () => {
    const [from, to] = [await account(), await account()];
    await transfer({ fromAccountId: from, toAccountId: to, amount: "12.00", currency: "USD" });
    const now = await balanceOf(from);
    expect(now.holds).toBe("12.00");
    const deadline = Date.now() + 15_000;
    let past: any = null;
    while (Date.now() < deadline) {
      past = await bodyOf(await engine.get(`/v1/accounts/${from}/balance?asOf=${encodeURIComponent(now.updatedAt)}`));
      if (past.version === now.version) break;
      await Bun.sleep(100);
    }
    expect({ version: past.version, holds: past.holds, availableBalance: past.availableBalance })
      .toEqual({ version: now.version, holds: "12.00", availableBalance: now.availableBalance });
  });
});
