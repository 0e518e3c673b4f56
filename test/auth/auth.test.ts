/**
 * Contract section 8 against a real engine process with authentication required (HS256 with an
 * issuer and audience, and API keys): every refusal of a bad credential, scopes, accounts that
 * answer exactly as unknown ones on every account route and over WebSocket, the alerts channel,
 * Origin, rate limits per caller, API keys never logged, and the audit log of admin actions
 * (read back from the embedded store once the engine has stopped).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedStore } from "../../src/adapters/postgres/embeddedStore.ts";
import { bearer, signHs256, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, unsignedToken, writeApiKeysFile, type MintedKey } from "../support/auth.ts";
import { dropTestDatabase, openTestConnection, testDatabaseName, CLICKHOUSE_URL } from "../support/clickhouse.ts";
import { bodyOf, eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { eventually } from "../support/services.ts";
import { connect } from "../support/wsClient.ts";

const RATE_LIMIT_PER_SECOND = 40;
const ALLOWED_ORIGIN = "https://app.example";
const directory = mkdtempSync(join(tmpdir(), "auth-test-"));
const logFile = join(directory, "engine.log");
const database = testDatabaseName();
let engine: EngineProcess;
let keys: Record<"ingest" | "admin" | "reader", MintedKey>;

/** User A may see A1 and GHOST (which never gets an EOD); user B owns B1 and B2. */
const userA = () => signHs256({ sub: "user-a", scope: "balances:read", accounts: ["A1", "GHOST"] });
const userB = () => signHs256({ sub: "user-b", scope: "balances:read", accounts: ["B1", "B2"] });

beforeAll(async () => {
  const connection = openTestConnection();
  await connection.close();
  const [ingest, admin, reader] = writeApiKeysFile(join(directory, "keys.jsonl"), [
    { name: "ingest", scopes: ["events:write"], accounts: "*" },
    { name: "admin", scopes: ["admin", "ops:read", "balances:read"], accounts: "*" },
    { name: "reader", scopes: ["balances:read"], accounts: "*" },
  ]);
  keys = { ingest: ingest!, admin: admin!, reader: reader! };
  engine = await spawnEngine({
    JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: TEST_ISSUER, JWT_AUDIENCE: TEST_AUDIENCE, API_KEYS_FILE: join(directory, "keys.jsonl"),
    PGLITE_DIR: join(directory, "store"), CLICKHOUSE_URL, CLICKHOUSE_DATABASE: database, EVENT_LOG_FLUSH_MS: "50",
    SYNC_MIN_INTERVAL_MS: "10", SYNC_MAX_DELAY_MS: "50", RATE_LIMIT_PER_SECOND: String(RATE_LIMIT_PER_SECOND),
    WS_ALLOWED_ORIGINS: ALLOWED_ORIGIN, LOG_LEVEL: "debug",
  }, logFile);
  await ingestEvents([eod({ accountId: "A1", facilityId: "none" }), eod({ accountId: "B1", facilityId: "none" })]);
  // The event log migrates ClickHouse after the engine has started: velocity answers 503 until then.
  await eventually(async () => (await fetch(`${engine.base}/v1/accounts/A1/velocity`, { headers: { "x-api-key": keys.admin.key } })).status === 200, 30_000, "the event log");
}, 120_000);

afterAll(async () => {
  await engine?.terminate();
  await dropTestDatabase(openTestConnection(), database);
  if (process.env.KEEP_TEST_LOGS !== "1") rmSync(directory, { recursive: true, force: true });
});

/** The headers of a WebSocket upgrade, so that a refused one can be read as an HTTP answer. */
const UPGRADE = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };
const get = (path: string, headers: Record<string, string> = {}) => fetch(engine.base + path, { headers });
const withKey = (key: MintedKey) => ({ "x-api-key": key.key });

async function ingestEvents(messages: unknown[]): Promise<void> {
  const response = await fetch(`${engine.base}/v1/events`, {
    method: "POST", headers: { "content-type": "application/json", ...withKey(keys.ingest) }, body: JSON.stringify(messages),
  });
  expect(response.status).toBe(200);
}

/** Status, content type and body: everything a caller could tell two answers apart by. */
async function answerOf(response: Response) {
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toStartWith("Bearer");
  expect((await bodyOf(response)).error.code).toBe("unauthorized");
}

test("no credential: 401 unauthorized with WWW-Authenticate: Bearer on every route that is not a probe or the document", async () => {
  const routes: [string, string][] = [
    ["GET", "/v1/accounts/A1/balance"], ["GET", "/v1/accounts/A1/balance?source=db"], ["GET", "/v1/accounts/A1/velocity"],
    ["POST", "/v1/events"], ["PUT", "/v1/admin/facilities/F1"], ["GET", "/v1/dlq"], ["GET", "/metrics"],
  ];
  for (const [method, path] of routes) {
    const body = method === "GET" ? undefined : JSON.stringify({ limit: "1.00" });
    await expectUnauthorized(await fetch(engine.base + path, { method, body, headers: { "content-type": "application/json" } }));
  }
  await expectUnauthorized(await get("/v1/ws", UPGRADE));
});

test("/health, /ready and the OpenAPI document need no credential", async () => {
  for (const path of ["/health", "/ready", "/openapi/json"]) expect((await get(path)).status).toBe(200);
});

test("a JWT with alg none is refused with 401", async () => {
  await expectUnauthorized(await get("/v1/accounts/A1/balance", bearer(unsignedToken({ sub: "user-a", scope: "balances:read", accounts: "*" }))));
});

test("a JWT signed with another key is refused with 401", async () => {
  const forged = await signHs256({ sub: "user-a", scope: "balances:read", accounts: "*" }, "another-secret-0123456789abcdef-0123456789");
  await expectUnauthorized(await get("/v1/accounts/A1/balance", bearer(forged)));
});

test("an expired JWT is refused with 401", async () => {
  const expired = await signHs256({ sub: "user-a", scope: "balances:read", accounts: "*", expInSeconds: -3600 });
  await expectUnauthorized(await get("/v1/accounts/A1/balance", bearer(expired)));
});

test("a JWT without exp is refused with 401", async () => {
  const endless = await signHs256({ sub: "user-a", scope: "balances:read", accounts: "*", expInSeconds: null });
  await expectUnauthorized(await get("/v1/accounts/A1/balance", bearer(endless)));
});

test("a JWT not yet valid (nbf past the clock skew) is refused with 401", async () => {
  const early = await signHs256({ sub: "user-a", scope: "balances:read", accounts: "*", nbfInSeconds: 3600, expInSeconds: 7200 });
  await expectUnauthorized(await get("/v1/accounts/A1/balance", bearer(early)));
});

test("a JWT from another issuer is refused with 401", async () => {
  const other = await signHs256({ sub: "user-a", scope: "balances:read", accounts: "*", iss: "https://other-issuer.test" });
  await expectUnauthorized(await get("/v1/accounts/A1/balance", bearer(other)));
});

test("a JWT for another audience is refused with 401", async () => {
  const other = await signHs256({ sub: "user-a", scope: "balances:read", accounts: "*", aud: "another-service" });
  await expectUnauthorized(await get("/v1/accounts/A1/balance", bearer(other)));
});

test("a malformed Authorization header is refused with 401", async () => {
  await expectUnauthorized(await get("/v1/accounts/A1/balance", { authorization: "Basic dXNlcjpwYXNz" }));
  await expectUnauthorized(await get("/v1/accounts/A1/balance", { authorization: "Bearer not.a.jwt" }));
});

test("a valid JWT reads its own account", async () => {
  const response = await get("/v1/accounts/A1/balance", bearer(await userA()));
  expect(response.status).toBe(200);
  expect((await bodyOf(response)).accountId).toBe("A1");
});

test("a credential without the route's scope is refused with 403 forbidden", async () => {
  const put = (headers: Record<string, string>) => fetch(`${engine.base}/v1/admin/facilities/F-403`, {
    method: "PUT", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ limit: "1.00" }),
  });
  for (const response of [await put(bearer(await userA())), await put(withKey(keys.reader)), await get("/metrics", withKey(keys.reader))]) {
    expect(response.status).toBe(403);
    expect((await bodyOf(response)).error.code).toBe("forbidden");
  }
});

test("user A on each of user B's account routes gets exactly the answer of an unknown account", async () => {
  const routes = ["/v1/accounts/B2/balance", "/v1/accounts/B2/balance?source=db", "/v1/accounts/B2/velocity"];
  const asAdmin = withKey(keys.admin);
  const unknown = await Promise.all(routes.map(async (path) => answerOf(await get(path, asAdmin))));
  expect(unknown.map((answer) => answer.status)).toEqual([404, 404, 404]);

  await ingestEvents([eod({ accountId: "B2", facilityId: "none" }), txn({ accountId: "B2", amount: "5.00" })]);
  await eventually(async () => {
    const statuses = await Promise.all(routes.map(async (path) => (await get(path, asAdmin)).status));
    return statuses.every((status) => status === 200);
  }, 30_000, "B2 in memory, in the Postgres copy and in the event log");
  expect((await get("/v1/accounts/B2/balance", bearer(await userB()))).status).toBe(200);

  const tokenA = bearer(await userA());
  const asA = await Promise.all(routes.map(async (path) => answerOf(await get(path, tokenA))));
  expect(asA).toEqual(unknown);
});

test("user A's WebSocket subscription to B's account gets the error of an unknown account and never B's data", async () => {
  const client = await connect(`ws://127.0.0.1:${engine.port}/v1/ws`, bearer(await userA()));
  client.send({ op: "subscribe", accounts: ["B1", "GHOST", "A1"] });
  const errorAt = (index: number) => client.received.find((m) => m.type === "error" && m.error.field === `message.accounts.${index}`);
  await eventually(() => errorAt(0) !== undefined && errorAt(1) !== undefined && client.received.some((m) => m.accountId === "A1"), 10_000, "the answers");
  // The same error as the unknown GHOST's, but for its index and id.
  const ghost = errorAt(1).error;
  expect(errorAt(0).error).toEqual({ ...ghost, field: "message.accounts.0", message: ghost.message.replace("accounts.1", "accounts.0").replace("GHOST", "B1") });
  expect(ghost.code).toBe("account_not_found");

  await ingestEvents([txn({ accountId: "B1", amount: "7.00" }), txn({ accountId: "B1", amount: "20000.00" }), txn({ accountId: "A1", amount: "1.00" })]);
  await client.next((m) => m.type === "balance" && m.accountId === "A1" && m.currentBalance === "1001.00");
  expect(client.received.filter((m) => m.accountId === "B1")).toEqual([]);
  client.close();
});

test("on the alerts channel user A hears only its accounts' alerts; a caller with ops:read hears every account's", async () => {
  const a = await connect(`ws://127.0.0.1:${engine.port}/v1/ws`, bearer(await userA()));
  const ops = await connect(`ws://127.0.0.1:${engine.port}/v1/ws`, withKey(keys.admin));
  a.send({ op: "subscribe", channels: ["alerts"] });
  ops.send({ op: "subscribe", channels: ["alerts"] });
  a.send({ op: "subscribe", accounts: ["A1"] }); // round trips: both subscriptions are in place
  ops.send({ op: "subscribe", accounts: ["A1"] });
  await Promise.all([a.next((m) => m.type === "balance"), ops.next((m) => m.type === "balance")]);

  await ingestEvents([txn({ accountId: "B1", amount: "30000.00", transactionId: "alert-b1" }), txn({ accountId: "A1", amount: "30000.00", transactionId: "alert-a1" })]);
  await a.next((m) => m.type === "alert" && m.transactionId === "alert-a1");
  await ops.next((m) => m.type === "alert" && m.transactionId === "alert-a1");
  expect(ops.received.some((m) => m.type === "alert" && m.transactionId === "alert-b1")).toBe(true);
  expect(a.received.filter((m) => m.accountId === "B1")).toEqual([]);
  a.close();
  ops.close();
});

test("the activity channel (every account's changes) needs ops:read: user A is refused, a caller with ops:read hears other accounts", async () => {
  const a = await connect(`ws://127.0.0.1:${engine.port}/v1/ws`, bearer(await userA()));
  a.send({ op: "subscribe", channels: ["activity"] });
  const refused = await a.next((m) => m.type === "error");
  expect(refused.error).toMatchObject({ code: "forbidden", field: "message.channels" });
  const ops = await connect(`ws://127.0.0.1:${engine.port}/v1/ws`, withKey(keys.admin));
  ops.send({ op: "subscribe", channels: ["activity"] });
  await Bun.sleep(50);
  await ingestEvents([txn({ accountId: "B1", amount: "3.00", transactionId: "activity-b1" })]);
  await ops.next((m) => m.type === "balance" && m.accountId === "B1");
  a.close();
  ops.close();
});

test("a WebSocket upgrade from an Origin outside WS_ALLOWED_ORIGINS is refused; an allowed Origin and a browser's access_token get through", async () => {
  const token = await userA();
  await expect(connect(`ws://127.0.0.1:${engine.port}/v1/ws`, { ...bearer(token), origin: "https://evil.example" })).rejects.toThrow();
  const refused = await get("/v1/ws", { ...bearer(token), origin: "https://evil.example", ...UPGRADE });
  expect(refused.status).toBe(403);
  expect((await bodyOf(refused)).error.code).toBe("origin_not_allowed");

  const browser = await connect(`ws://127.0.0.1:${engine.port}/v1/ws?access_token=${token}`, { origin: ALLOWED_ORIGIN });
  browser.send({ op: "subscribe", accounts: ["A1"] });
  expect((await browser.next((m) => m.type === "balance")).accountId).toBe("A1");
  browser.close();
});

test("a WebSocket upgrade without a credential is refused", async () => {
  await expect(connect(`ws://127.0.0.1:${engine.port}/v1/ws`)).rejects.toThrow();
  await expect(connect(`ws://127.0.0.1:${engine.port}/v1/ws?access_token=${await signHs256({ sub: "x", expInSeconds: -3600 })}`)).rejects.toThrow();
});

test("a flood from one caller is answered 429 rate_limited with Retry-After, and another caller is not limited by it", async () => {
  const flooder = bearer(await signHs256({ sub: "flooder", scope: "balances:read", accounts: ["A1"] }));
  const bystander = bearer(await signHs256({ sub: "bystander", scope: "balances:read", accounts: ["A1"] }));
  const answers = await Promise.all(Array.from({ length: RATE_LIMIT_PER_SECOND * 4 }, () => get("/v1/accounts/A1/balance", flooder)));
  const limited = answers.filter((response) => response.status === 429);
  expect(limited.length).toBeGreaterThan(0);
  expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect((await bodyOf(limited[0]!)).error.code).toBe("rate_limited");
  expect((await get("/v1/accounts/A1/balance", bystander)).status).toBe(200);
  const metrics = await (await get("/metrics", withKey(keys.admin))).text();
  expect(Number(/^balance_engine_rate_limited_total\{limit="caller"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(limited.length);
});

test("an API key is matched by its hash (only the hash is in the file), a wrong one is refused, and no key is ever logged", async () => {
  expect((await get("/v1/accounts/A1/balance", withKey(keys.reader))).status).toBe(200);
  await expectUnauthorized(await get("/v1/accounts/A1/balance", { "x-api-key": `${keys.reader.key.slice(0, -1)}x` }));
  const file = readFileSync(join(directory, "keys.jsonl"), "utf8");
  const log = readFileSync(logFile, "utf8");
  for (const key of Object.values(keys)) {
    expect(file).not.toContain(key.key);
    expect(log).not.toContain(key.key);
    expect(log).not.toContain(key.key.slice(4)); // not even without its prefix
  }
});

// Last: it stops the engine to read its embedded store.
test("user A on user B's transfer gets the answer of an unknown transfer, and cannot send from B's account", async () => {
  const asAdmin = { "content-type": "application/json", ...withKey(keys.admin) };
  expect((await fetch(`${engine.base}/v1/admin/facilities/none`, { method: "PUT", headers: asAdmin, body: JSON.stringify({ limit: "0" }) })).status).toBe(200);
  const tokenB = bearer(await signHs256({ sub: "user-b", scope: "balances:read transfers:write", accounts: ["B1", "B2"] }));
  const tokenA = bearer(await signHs256({ sub: "user-a", scope: "balances:read transfers:write", accounts: ["A1"] }));
  const send = (token: Record<string, string>, key: string, fromAccountId: string) => fetch(`${engine.base}/v1/transfers`, {
    method: "POST", headers: { "content-type": "application/json", "idempotency-key": key, ...token },
    body: JSON.stringify({ fromAccountId, toAccountId: "A1", amount: "10.00", currency: "USD" }),
  });
  const created = await send(tokenB, "b-1", "B1");
  expect(created.status).toBe(201);
  const { transferId } = await bodyOf(created);

  const hidden = await bodyOf(await get(`/v1/transfers/${transferId}`, tokenA));
  const unknown = await bodyOf(await get("/v1/transfers/no-such-transfer", tokenA));
  expect(hidden).toEqual({ error: { ...unknown.error, message: unknown.error.message.replace("no-such-transfer", transferId) } });
  expect((await get(`/v1/transfers/${transferId}`, tokenB)).status).toBe(200);

  const fromB = await send(tokenA, "a-1", "B1");
  const fromNobody = await send(tokenA, "a-2", "NOBODY");
  expect({ status: fromB.status, body: await bodyOf(fromB) }).toEqual({ status: fromNobody.status, body: await bodyOf(fromNobody) });
  expect(fromB.status).toBe(404);
  const cancel = await fetch(`${engine.base}/v1/transfers/${transferId}/cancel`, { method: "POST", headers: tokenA });
  expect(cancel.status).toBe(404);
});

test("every admin action in these tests has its audit.events row with the caller's name", async () => {
  const put = (facilityId: string, limit: string) => fetch(`${engine.base}/v1/admin/facilities/${facilityId}`, {
    method: "PUT", headers: { "content-type": "application/json", ...withKey(keys.admin) }, body: JSON.stringify({ limit }),
  });
  expect((await put("F-audit", "100.00")).status).toBe(200);
  expect((await put("F-audit", "-1")).status).toBe(400);
  expect((await get("/v1/dlq?limit=5", withKey(keys.admin))).status).toBe(200);
  expect(await engine.terminate()).toBe(0);

  const store = await openEmbeddedStore(join(directory, "store"));
  const { rows } = await store.query<{ actor: string; action: string; target: string; status: number }>(
    "SELECT actor, action, target, status FROM audit.events ORDER BY event_id");
  await store.close();
  expect(rows.map((row) => ({ ...row, target: row.action === "transfer.decide" || row.action === "transfer.cancel" ? "<transferId>" : row.target }))).toEqual([
    { actor: "key:admin", action: "facility.set", target: "none", status: 200 },
    { actor: "jwt:user-b", action: "transfer.decide", target: "<transferId>", status: 201 },
    { actor: "jwt:user-a", action: "transfer.cancel", target: "<transferId>", status: 404 },
    { actor: "key:admin", action: "facility.set", target: "F-audit", status: 200 },
    { actor: "key:admin", action: "facility.set", target: "F-audit", status: 400 },
    { actor: "key:admin", action: "dlq.read", target: "dlq", status: 200 },
  ]);
}, 30_000);
