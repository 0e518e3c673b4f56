/**
 * The cold path in embedded mode (contract section 7, "After the decision"): `bun start` alone
 * runs the ledger worker in the engine's process, so an approved transfer reaches POSTED through
 * the ledger's own legs; its status reaches clients by Server-Sent Events and signed webhooks.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { verifyWebhookSignature } from "../../src/adapters/webhook/webhookSignature.ts";
import { bodyOf, eod, startEngineUnderTest, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { eventually } from "../support/services.ts";

const WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789abcdef";
let engine: EngineUnderTest;
/** What the receiver got: each delivery's id, raw body and signature header. */
const received: { id: string; body: string; signature: string }[] = [];
let receiverUp = true;
const receiver = Bun.serve({
  port: 0,
  async fetch(request) {
    if (!receiverUp) return new Response("down", { status: 503 });
    received.push({ id: request.headers.get("webhook-id") ?? "", body: await request.text(), signature: request.headers.get("webhook-signature") ?? "" });
    return new Response(null, { status: 204 });
  },
});

beforeAll(async () => {
  engine = await startEngineUnderTest({
    RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: "100000", TRANSFER_2FA_TIMEOUT_MS: "600000",
    WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/hooks`, WEBHOOK_SECRET,
  });
});
afterAll(async () => {
  await engine.stop();
  await receiver.stop(true);
});

let accounts = 0;
async function account(balance = "1000.00"): Promise<string> {
  const id = `EL${++accounts}`;
  await engine.put(`/v1/admin/facilities/fac-${id}`, { limit: "0", currency: "USD" });
  await engine.post("/v1/events", eod({ accountId: id, facilityId: `fac-${id}`, balance }));
  return id;
}

let keys = 0;
function transfer(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${engine.base}/v1/transfers`, {
    method: "POST", headers: { "content-type": "application/json", "idempotency-key": `el-${++keys}` }, body: JSON.stringify(body),
  });
}
const balanceOf = async (id: string) => bodyOf(await engine.get(`/v1/accounts/${id}/balance`));
const statusOf = async (id: string) => (await bodyOf(await engine.get(`/v1/transfers/${id}`))).status as string;

describe("the ledger in the engine's process", () => {
  test("an approved transfer becomes POSTED: the source's current balance falls, the destination's rises, holds are back", async () => {
    const [from, to] = [await account(), await account("250.00")];
    const created = await bodyOf(await transfer({ fromAccountId: from, toAccountId: to, amount: "40.00", currency: "USD" }));
    expect(created.status).toBe("APPROVED");
    await eventually(async () => (await statusOf(created.transferId)) === "POSTED", 10_000, "POSTED");
    expect(await balanceOf(from)).toMatchObject({ currentBalance: "960.00", holds: "0.00", availableBalance: "960.00" });
    expect(await balanceOf(to)).toMatchObject({ currentBalance: "290.00", holds: "0.00" });
  });

  test("a confirmed 2FA transfer goes on to POSTED", async () => {
    const [from, payee, stranger] = [await account(), await account(), await account()];
    for (let i = 0; i < 5; i++) await transfer({ fromAccountId: from, toAccountId: payee, amount: "1.00", currency: "USD" });
    const pending = await bodyOf(await transfer({ fromAccountId: from, toAccountId: stranger, amount: "900.00", currency: "USD" }));
    expect(pending.status).toBe("PENDING_2FA");
    const confirmed = await fetch(`${engine.base}/v1/transfers/${pending.transferId}/confirm`, { method: "POST" });
    expect(confirmed.status).toBe(200);
    await eventually(async () => (await statusOf(pending.transferId)) === "POSTED", 10_000, "POSTED after confirm");
    expect(await balanceOf(from)).toMatchObject({ currentBalance: "95.00", holds: "0.00" });
  });
});

describe("status to clients", () => {
  test("Server-Sent Events: the transfer as it is, then each change, and the stream ends at POSTED", async () => {
    const [from, payee, stranger] = [await account(), await account(), await account()];
    for (let i = 0; i < 5; i++) await transfer({ fromAccountId: from, toAccountId: payee, amount: "1.00", currency: "USD" });
    const pending = await bodyOf(await transfer({ fromAccountId: from, toAccountId: stranger, amount: "900.00", currency: "USD" }));
    const stream = await fetch(`${engine.base}/v1/transfers/${pending.transferId}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
    const text = stream.text(); // resolves when the engine ends the stream
    await fetch(`${engine.base}/v1/transfers/${pending.transferId}/confirm`, { method: "POST" });
    const events = (await text).split("\n\n").filter((block) => block.startsWith("event: transfer"));
    const statuses = events.map((block) => JSON.parse(block.split("\n").find((line) => line.startsWith("data: "))!.slice(6)).status);
    expect(statuses).toEqual(["PENDING_2FA", "APPROVED", "POSTED"]);
  });

  test("an unknown transfer's event stream is 404 transfer_not_found", async () => {
    const response = await engine.get("/v1/transfers/no-such-transfer/events");
    expect(response.status).toBe(404);
    expect((await bodyOf(response)).error.code).toBe("transfer_not_found");
  });

  test("every webhook delivery's signature verifies, and a tampered body does not", async () => {
    const [from, to] = [await account(), await account()];
    const created = await bodyOf(await transfer({ fromAccountId: from, toAccountId: to, amount: "10.00", currency: "USD" }));
    await eventually(() => received.some((delivery) => delivery.id === `${created.transferId}:POSTED`), 10_000, "the POSTED webhook");
    const now = Math.floor(Date.now() / 1000);
    for (const delivery of received) expect(verifyWebhookSignature(WEBHOOK_SECRET, delivery.signature, delivery.body, now)).toBe(true);
    const posted = received.find((delivery) => delivery.id === `${created.transferId}:POSTED`)!;
    expect(JSON.parse(posted.body).data).toMatchObject({ transferId: created.transferId, status: "POSTED", amount: "10.00" });
    const tampered = posted.body.replace('"10.00"', '"99.00"');
    expect(tampered).not.toBe(posted.body);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, posted.signature, tampered, now)).toBe(false);
    expect(verifyWebhookSignature("another-secret-another-secret-0123456", posted.signature, posted.body, now)).toBe(false);
  });

  test("a receiver that is down gets the delivery later, with the same Webhook-Id", async () => {
    receiverUp = false;
    const [from, to] = [await account(), await account()];
    const created = await bodyOf(await transfer({ fromAccountId: from, toAccountId: to, amount: "5.00", currency: "USD" }));
    await eventually(async () => (await statusOf(created.transferId)) === "POSTED", 10_000, "POSTED");
    await Bun.sleep(1500); // at least one refused attempt
    expect(received.some((delivery) => delivery.id.startsWith(created.transferId))).toBe(false);
    receiverUp = true;
    await eventually(() => received.some((delivery) => delivery.id === `${created.transferId}:POSTED`), 30_000, "the delivery after the receiver came back");
    const metrics = await (await engine.get("/metrics")).text();
    expect(metrics).toMatch(/balance_engine_webhook_deliveries_total\{outcome="retried"\} [1-9]/);
  });
});

test("the ledger's metrics: postings by outcome and the outbox", async () => {
  const metrics = await (await engine.get("/metrics")).text();
  expect(metrics).toMatch(/balance_engine_ledger_postings_total\{outcome="posted"\} [1-9]/);
  expect(metrics).toContain("balance_engine_outbox_pending 0");
});
