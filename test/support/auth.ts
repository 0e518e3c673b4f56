/** Credentials for the auth tests: JWTs signed with jose, tokens forged by hand, API keys files. */
import { writeFileSync } from "node:fs";
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { mintApiKey } from "../../src/http/auth/apiKeys.ts";

export const TEST_JWT_SECRET = "test-jwt-secret-0123456789abcdef-0123456789";
export const TEST_ISSUER = "https://issuer.test";
export const TEST_AUDIENCE = "balance-engine";

export interface Claims {
  sub?: string;
  scope?: string;
  accounts?: "*" | string[];
  iss?: string;
  aud?: string;
  /** Seconds from now (negative: in the past); null leaves the claim out. */
  expInSeconds?: number | null;
  nbfInSeconds?: number;
}

const now = () => Math.floor(Date.now() / 1000);

function builderOf(claims: Claims): SignJWT {
  const payload: Record<string, unknown> = { scope: claims.scope ?? "", accounts: claims.accounts ?? [] };
  const jwt = new SignJWT(payload).setSubject(claims.sub ?? "user").setIssuedAt()
    .setIssuer(claims.iss ?? TEST_ISSUER).setAudience(claims.aud ?? TEST_AUDIENCE);
  const exp = claims.expInSeconds === undefined ? 300 : claims.expInSeconds;
  if (exp !== null) jwt.setExpirationTime(now() + exp);
  if (claims.nbfInSeconds !== undefined) jwt.setNotBefore(now() + claims.nbfInSeconds);
  return jwt;
}

/** HS256 with `secret` (the engine's TEST_JWT_SECRET unless said otherwise). */
export function signHs256(claims: Claims, secret: string | Uint8Array = TEST_JWT_SECRET): Promise<string> {
  const key = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  return builderOf(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
}

export async function rsaKeyPair(): Promise<{ privateKey: CryptoKey; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, publicPem: await exportSPKI(publicKey) };
}

export function signRs256(claims: Claims, privateKey: CryptoKey): Promise<string> {
  return builderOf(claims).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(privateKey);
}

/** A token that claims no signature at all (`alg: none`), as an attacker would write it. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ exp: now() + 300, iss: TEST_ISSUER, aud: TEST_AUDIENCE, ...claims })}.`;
}

export interface MintedKey {
  readonly name: string;
  readonly key: string;
}

/** Writes an API_KEYS_FILE with one key per entry; returns the keys (only their hashes are in the file). */
export function writeApiKeysFile(path: string, keys: { name: string; scopes: string[]; accounts: "*" | string[] }[]): MintedKey[] {
  const minted = keys.map((k) => ({ name: k.name, ...mintApiKey(k.name, k.scopes, k.accounts) }));
  writeFileSync(path, minted.map((m) => JSON.stringify(m.line)).join("\n") + "\n");
  return minted.map((m) => ({ name: m.name, key: m.key }));
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
