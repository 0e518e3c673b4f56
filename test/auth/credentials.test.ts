/**
 * The pure and in-process pieces of authentication: which algorithm a public key pins, ES256
 * verification, API key lines, the in-process rate limiter's window and bound, and the caller's
 * account and alert visibility.
 */
import { expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { canSeeAccount, canSeeAlertOf, principalOf } from "../../src/domain/auth/principal.ts";
import { ApiKeyRegistry, mintApiKey } from "../../src/http/auth/apiKeys.ts";
import { jwtVerifierOf, publicKeyAlgorithmOf } from "../../src/http/auth/jwtVerifier.ts";
import { LocalRateLimiter } from "../../src/runtime/localRateLimiter.ts";

test("a public key pins its algorithm: RS256 for RSA, ES256 for EC P-256, and any other key is refused", async () => {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  expect(publicKeyAlgorithmOf(await exportSPKI(rsa.publicKey))).toMatchObject({ algorithm: "RS256" });
  expect(publicKeyAlgorithmOf(await exportSPKI(ec.publicKey))).toMatchObject({ algorithm: "ES256" });
  const ed = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
  expect(publicKeyAlgorithmOf(ed)).toHaveProperty("error");
  expect(publicKeyAlgorithmOf("not a key")).toHaveProperty("error");
});

test("an ES256 token verifies with the EC key, and an RS256 one (another algorithm) does not", async () => {
  const ec = await generateKeyPair("ES256", { extractable: true });
  const rsa = await generateKeyPair("RS256");
  const pinned = publicKeyAlgorithmOf(await exportSPKI(ec.publicKey));
  if ("error" in pinned) throw new Error(pinned.error);
  const verify = jwtVerifierOf({ ...pinned, clockToleranceSeconds: 60 });
  const claims = { scope: "balances:read", accounts: ["E1"] };
  const es = await new SignJWT(claims).setProtectedHeader({ alg: "ES256" }).setSubject("e").setExpirationTime("5m").sign(ec.privateKey);
  const rs = await new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).setSubject("e").setExpirationTime("5m").sign(rsa.privateKey);
  expect((await verify(es))?.name).toBe("jwt:e");
  expect(await verify(rs)).toBeNull();
});

test("an API key is found by the SHA-256 of what is presented; the file holds only the hash", () => {
  const minted = mintApiKey("svc", ["balances:read"], ["A1"]);
  const parsed = ApiKeyRegistry.parse(JSON.stringify(minted.line));
  if (!parsed.ok) throw new Error(parsed.error);
  expect(JSON.stringify(minted.line)).not.toContain(minted.key);
  expect(parsed.registry.find(minted.key)?.name).toBe("key:svc");
  expect(parsed.registry.find(minted.line.sha256)).toBeNull(); // the hash itself is not a key
  expect(parsed.registry.find("")).toBeNull();
});

test("an API keys file with a bad line is refused, naming the line and the field", () => {
  const good = JSON.stringify(mintApiKey("a", ["admin"], "*").line);
  const parsed = ApiKeyRegistry.parse(`${good}\n{"name":"b","sha256":"XYZ","scopes":[],"accounts":"*"}\n`);
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) expect(parsed.error).toStartWith("line 2: sha256");
  const twice = ApiKeyRegistry.parse(`${good}\n${good}\n`);
  expect(twice.ok).toBe(false);
});

test("the in-process limiter allows the limit per one-second window, then refuses until the window turns", () => {
  let nowMs = 10_250;
  const limiter = new LocalRateLimiter(10, () => {}, () => nowMs);
  expect([1, 2, 3].map(() => limiter.hit("a", 2).allowed)).toEqual([true, true, false]);
  expect(limiter.hit("a", 2)).toEqual({ allowed: false, retryAfterMs: 750 });
  expect(limiter.hit("b", 2).allowed).toBe(true);
  nowMs = 11_000;
  expect(limiter.hit("a", 2).allowed).toBe(true);
});

test("the in-process limiter counts at most keysMax callers per second and refuses a new one past that", () => {
  let full = 0;
  const limiter = new LocalRateLimiter(2, () => full++, () => 5_000);
  expect(["a", "b", "c"].map((key) => limiter.hit(key, 100).allowed)).toEqual([true, true, false]);
  expect(full).toBe(1);
});

test("a caller sees only its accounts, and the alerts of every account only with ops:read", () => {
  const user = principalOf("jwt:u", ["balances:read", "not-a-scope"], ["A1"]);
  const ops = principalOf("key:ops", ["ops:read"], []);
  expect([canSeeAccount(user, "A1"), canSeeAccount(user, "B1"), canSeeAlertOf(user, "B1")]).toEqual([true, false, false]);
  expect([canSeeAccount(ops, "B1"), canSeeAlertOf(ops, "B1")]).toEqual([false, true]);
  expect([...user.scopes]).toEqual(["balances:read"]);
});
