/**
 * The hot balance read is served beside Elysia (src/http/routes/balanceFastRoute.ts): it must
 * answer exactly as the Elysia route does. `?explain=false` asks for the very same memory read
 * and always goes through Elysia, so each case compares the two answers: status, every header a
 * caller sees, body. With authentication required, rate-limited, and the metrics counted once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bearer, signHs256, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, writeApiKeysFile, type MintedKey } from "../support/auth.ts";
import { eod, startEngineUnderTest, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";
import { METRIC_PREFIX, parseMetrics } from "../support/metrics.ts";

const RATE_LIMIT_PER_SECOND = 1000;
const directory = mkdtempSync(join(tmpdir(), "fast-route-test-"));
let engine: EngineUnderTest;
let keys: Record<"ingest" | "reader" | "noScope", MintedKey>;

beforeAll(async () => {
  const [ingest, reader, noScope] = writeApiKeysFile(join(directory, "keys.jsonl"), [
    { name: "ingest", scopes: ["events:write"], accounts: "*" },
    { name: "reader", scopes: ["balances:read"], accounts: "*" },
    { name: "no-scope", scopes: ["ops:read"], accounts: "*" },
  ]);
  keys = { ingest: ingest!, reader: reader!, noScope: noScope! };
  engine = await startEngineUnderTest({
    JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: TEST_ISSUER, JWT_AUDIENCE: TEST_AUDIENCE, API_KEYS_FILE: join(directory, "keys.jsonl"),
    RATE_LIMIT_PER_SECOND: String(RATE_LIMIT_PER_SECOND),
  });
  const loaded = await fetch(`${engine.base}/v1/events`, {
    method: "POST", headers: { "content-type": "application/json", "x-api-key": keys.ingest.key },
    body: JSON.stringify([eod({ accountId: "F1", facilityId: "none" }), txn({ accountId: "F1", amount: "12.34" }), eod({ accountId: "F2", facilityId: "none" })]),
  });
  expect(loaded.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** What a caller can tell an answer by (the date header aside). */
async function answerOf(response: Response) {
  const headers = [...response.headers].filter(([name]) => name !== "date" && name !== "content-length");
  return { status: response.status, headers: Object.fromEntries(headers), body: await response.text() };
}

async function bothAnswers(path: string, headers: Record<string, string>) {
  const fast = await answerOf(await fetch(engine.base + path, { headers }));
  const elysia = await answerOf(await fetch(`${engine.base}${path}?explain=false`, { headers }));
  return { fast, elysia };
}

describe("the hot balance read answers as the Elysia route does", () => {
  const cases: [string, string, () => Promise<Record<string, string>>][] = [
    ["a balance (200)", "/v1/accounts/F1/balance", async () => ({ "x-api-key": keys.reader.key })],
    ["an unknown account (404)", "/v1/accounts/NOPE/balance", async () => ({ "x-api-key": keys.reader.key })],
    ["an account outside the caller's accounts (404, as unknown)", "/v1/accounts/F2/balance", async () => bearer(await signHs256({ scope: "balances:read", accounts: ["F1"] }))],
    ["the caller's own account by JWT (200)", "/v1/accounts/F1/balance", async () => bearer(await signHs256({ scope: "balances:read", accounts: ["F1"] }))],
    ["no credential (401)", "/v1/accounts/F1/balance", async () => ({})],
    ["a bad token (401)", "/v1/accounts/F1/balance", async () => bearer("not-a-token")],
    ["a credential without balances:read (403)", "/v1/accounts/F1/balance", async () => ({ "x-api-key": keys.noScope.key })],
    ["an id that is not an identifier (400 naming params.accountId)", `/v1/accounts/${"x".repeat(129)}/balance`, async () => ({ "x-api-key": keys.reader.key })],
    ["an encoded id (decoded as Elysia does)", "/v1/accounts/F%31/balance", async () => ({ "x-api-key": keys.reader.key })],
  ];
  for (const [name, path, headersOf] of cases) {
    test(name, async () => {
      const { fast, elysia } = await bothAnswers(path, await headersOf());
      expect(fast).toEqual(elysia);
    });
  }

  test("the 200 is the balance body itself", async () => {
    const response = await fetch(`${engine.base}/v1/accounts/F1/balance`, { headers: { "x-api-key": keys.reader.key } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accountId: "F1", currentBalance: "1012.34", currency: "USD" });
  });

  test("each read is counted once in http_requests_total, under the route's template", async () => {
    const counted = async () => {
      const response = await fetch(`${engine.base}/metrics`, { headers: { "x-api-key": keys.noScope.key } });
      const series = parseMetrics(await response.text()).filter((s) => s.name === `${METRIC_PREFIX}http_requests_total`
        && s.labels.method === "GET" && s.labels.route === "/v1/accounts/:accountId/balance" && s.labels.status === "200");
      expect(series.length).toBeLessThanOrEqual(1);
      return series[0]?.value ?? 0;
    };
    const before = await counted();
    for (let i = 0; i < 3; i++) await fetch(`${engine.base}/v1/accounts/F1/balance`, { headers: { "x-api-key": keys.reader.key } });
    await fetch(`${engine.base}/v1/accounts/F1/balance?explain=false`, { headers: { "x-api-key": keys.reader.key } });
    expect((await counted()) - before).toBe(4);
  });
});

test("a caller over its rate limit gets the same 429 from the hot read as from the Elysia route", async () => {
  const limited = await startEngineUnderTest({ JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: TEST_ISSUER, JWT_AUDIENCE: TEST_AUDIENCE, API_KEYS_FILE: join(directory, "keys.jsonl"), RATE_LIMIT_PER_SECOND: "2" });
  try {
    const headers = { "x-api-key": keys.reader.key };
    // The limit counts per second (fixed windows): all four requests inside one of them.
    while (Date.now() % 1000 > 200) await Bun.sleep(10);
    const answers = [];
    for (const path of ["/v1/accounts/F1/balance", "/v1/accounts/F1/balance", "/v1/accounts/F1/balance", "/v1/accounts/F1/balance?explain=false"]) {
      answers.push(await answerOf(await fetch(limited.base + path, { headers })));
    }
    const [, , fast, elysia] = answers;
    expect(fast!.status).toBe(429);
    expect({ ...fast, headers: { ...fast!.headers, "retry-after": "n" } }).toEqual({ ...elysia!, headers: { ...elysia!.headers, "retry-after": "n" } });
    expect(fast!.headers["retry-after"]).toMatch(/^\d+$/);
  } finally {
    await limited.stop();
  }
});

test("with auth off, a change of the balance, the facility limit or the holds is in the very next hot read", async () => {
  const open = await startEngineUnderTest({ RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: "100000", LEDGER_IN_PROCESS: "0" });
  try {
    const read = async () => {
      const fast = await answerOf(await fetch(`${open.base}/v1/accounts/C1/balance`));
      const elysia = await answerOf(await fetch(`${open.base}/v1/accounts/C1/balance?explain=false`));
      expect(fast).toEqual(elysia);
      expect(fast.status).toBe(200);
      return JSON.parse(fast.body);
    };
    expect((await open.put("/v1/admin/facilities/FAC-C", { limit: "100.00", currency: "USD" })).status).toBe(200);
    expect((await open.post("/v1/events", [eod({ accountId: "C1", facilityId: "FAC-C" }), eod({ accountId: "C2", facilityId: "FAC-C" })])).status).toBe(200);
    expect(await read()).toMatchObject({ currentBalance: "1000.00", facilityLimit: "100.00", holds: "0.00", availableBalance: "1100.00" });
    expect(await read()).toMatchObject({ currentBalance: "1000.00" });

    expect((await open.post("/v1/events", txn({ accountId: "C1", amount: "-25.50" }))).status).toBe(200);
    expect(await read()).toMatchObject({ currentBalance: "974.50", availableBalance: "1074.50" });

    expect((await open.put("/v1/admin/facilities/FAC-C", { limit: "300.00" })).status).toBe(200);
    expect(await read()).toMatchObject({ facilityLimit: "300.00", availableBalance: "1274.50" });

    const transfer = await fetch(`${open.base}/v1/transfers`, {
      method: "POST", headers: { "content-type": "application/json", "idempotency-key": "hold-1" },
      body: JSON.stringify({ fromAccountId: "C1", toAccountId: "C2", amount: "40.00", currency: "USD" }),
    });
    expect(transfer.status).toBe(201);
    expect(await read()).toMatchObject({ currentBalance: "974.50", holds: "40.00", availableBalance: "1234.50" });
  } finally {
    await open.stop();
  }
});
