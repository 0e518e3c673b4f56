/**
 * An engine process that verifies JWTs with an RS256 public key (JWT_PUBLIC_KEY, PEM): a token
 * signed with the private key gets through; the algorithm switch (an HS256 token whose HMAC
 * secret is the public key's PEM, which an attacker knows) and `alg: none` are refused.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bearer, rsaKeyPair, signHs256, signRs256, unsignedToken } from "../support/auth.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";

let engine: EngineProcess;
let keys: Awaited<ReturnType<typeof rsaKeyPair>>;

beforeAll(async () => {
  keys = await rsaKeyPair();
  engine = await spawnEngine({ JWT_PUBLIC_KEY: keys.publicPem }, `/tmp/auth-public-key-${Date.now()}.log`);
}, 60_000);

afterAll(async () => {
  await engine?.terminate();
});

const claims = { sub: "ops", scope: "ops:read", accounts: "*" as const };
const metricsWith = (token: string) => fetch(`${engine.base}/metrics`, { headers: bearer(token) });

test("an RS256 token signed with the key's private half is accepted", async () => {
  expect((await metricsWith(await signRs256(claims, keys.privateKey))).status).toBe(200);
});

test("the algorithm switch, an HS256 token signed with the RS256 public key's PEM as its secret, is refused with 401", async () => {
  const switched = await signHs256(claims, new TextEncoder().encode(keys.publicPem));
  const response = await metricsWith(switched);
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toStartWith("Bearer");
});

test("an unsigned token (alg none) is refused with 401 by an engine with a public key too", async () => {
  expect((await metricsWith(unsignedToken(claims))).status).toBe(401);
});
