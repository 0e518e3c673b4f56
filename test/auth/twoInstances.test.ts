/**
 * Two engine instances in Kafka mode with Redis and a real Postgres: one caller's rate limit is
 * one budget over both (counted in Redis), and an admin action on either is in Postgres
 * `audit.events` with the caller's name.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bearer, signHs256, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, writeApiKeysFile, type MintedKey } from "../support/auth.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { createDatabase, createTopics, deleteTopics, ensureServices, psql, uniqueNames } from "../support/services.ts";

const RATE_LIMIT_PER_SECOND = 10;
const names = uniqueNames("auth2");
const directory = mkdtempSync(join(tmpdir(), "auth-two-"));
const engines: EngineProcess[] = [];
let admin: MintedKey;
let databaseUrl: string;

beforeAll(async () => {
  ensureServices("kafka", "redis", "postgres");
  await createTopics([names.eod, names.transactions, names.dlq]);
  databaseUrl = createDatabase(names.id.replaceAll("-", "_"));
  [admin] = writeApiKeysFile(join(directory, "keys.jsonl"), [{ name: "ops-admin", scopes: ["admin", "ops:read"], accounts: "*" }]) as [MintedKey];
  const env = {
    ...names.env, AUTH_MODE: "required", JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: TEST_ISSUER, JWT_AUDIENCE: TEST_AUDIENCE,
    API_KEYS_FILE: join(directory, "keys.jsonl"), DATABASE_URL: databaseUrl, RATE_LIMIT_PER_SECOND: String(RATE_LIMIT_PER_SECOND),
  };
  const logFile = `/tmp/${names.id}.log`;
  engines.push(await spawnEngine({ ...env, INSTANCE_ID: "a" }, logFile), await spawnEngine({ ...env, INSTANCE_ID: "b" }, logFile));
}, 180_000);

afterAll(async () => {
  for (const engine of engines) await engine.terminate().catch(() => {});
  await deleteTopics([names.eod, names.transactions, names.dlq]);
  rmSync(directory, { recursive: true, force: true });
});

/** Waits for the start of a second, so that a burst falls in one window of the limiter. */
async function startOfSecond(): Promise<void> {
  while (Date.now() % 1000 > 50) await Bun.sleep(5);
}

test("one caller's rate limit holds across two instances: together they let through at most the limit per second", async () => {
  const [a, b] = engines as [EngineProcess, EngineProcess];
  const caller = bearer(await signHs256({ sub: "two-instance-caller", scope: "balances:read", accounts: "*" }));
  const perInstance = RATE_LIMIT_PER_SECOND; // each alone would let all of these through
  await startOfSecond();
  const answers = await Promise.all([a, b].flatMap((engine) =>
    Array.from({ length: perInstance }, () => fetch(`${engine.base}/v1/accounts/nobody/balance`, { headers: caller }))));
  const statuses = answers.map((response) => response.status);
  expect(statuses.filter((status) => status === 404).length).toBeLessThanOrEqual(RATE_LIMIT_PER_SECOND);
  expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(perInstance);
  expect(new Set(statuses)).toEqual(new Set([404, 429]));
}, 30_000);

test("an admin action on either instance has its row in Postgres audit.events with the caller's name", async () => {
  const [a, b] = engines as [EngineProcess, EngineProcess];
  const put = (engine: EngineProcess, facilityId: string) => fetch(`${engine.base}/v1/admin/facilities/${facilityId}`, {
    method: "PUT", headers: { "content-type": "application/json", "x-api-key": admin.key }, body: JSON.stringify({ limit: "250.00" }),
  });
  expect((await put(a, "F-two-a")).status).toBe(200);
  expect((await put(b, "F-two-b")).status).toBe(200);
  const rows = psql(databaseUrl.split("/").pop()!, "SELECT actor || ' ' || action || ' ' || target || ' ' || status FROM audit.events ORDER BY event_id");
  expect(rows.trim().split("\n")).toEqual(["key:ops-admin facility.set F-two-a 200", "key:ops-admin facility.set F-two-b 200"]);
}, 60_000);
