/**
 * API keys (`X-API-Key`) for services. Only the lowercase hex SHA-256 of a key is stored, one
 * JSON line per key in API_KEYS_FILE: `{"name","sha256","scopes":[...],"accounts":"*"|[...]}`.
 * A presented key is hashed and compared with every stored hash in constant time
 * (timingSafeEqual, no early exit), so neither the answer nor its timing says how close it was.
 * The key itself is never kept, logged or echoed.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { principalOf, type Principal } from "../../domain/auth/principal.ts";
import { problemOf } from "../../lib/schemaProblem.ts";
import { AccountsGrant, ScopeList } from "./grantSchema.ts";

/** Keys one file may hold: each lookup compares with all of them. */
export const API_KEYS_MAX = 10_000;
/** A minted key is 43 characters; a presented one longer than this is not a key. */
export const API_KEY_LENGTH_MAX = 256;
const KEY_PREFIX = "bek_";

export const ApiKeyLine = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._-]+$" }),
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  scopes: ScopeList,
  accounts: AccountsGrant,
}, { additionalProperties: false });
export type ApiKeyLine = Static<typeof ApiKeyLine>;
const ApiKeyLineCheck = TypeCompiler.Compile(ApiKeyLine);

interface StoredKey {
  readonly hash: Buffer;
  readonly principal: Principal;
}

export class ApiKeyRegistry {
  private constructor(private readonly keys: readonly StoredKey[]) {}

  get size(): number {
    return this.keys.length;
  }

  /** Parses the file's text; errors name the line. */
  static parse(text: string): { ok: true; registry: ApiKeyRegistry } | { ok: false; error: string } {
    const lines = text.split("\n").map((line) => line.trim());
    const keys: StoredKey[] = [];
    const names = new Set<string>();
    for (const [index, line] of lines.entries()) {
      if (line === "" || line.startsWith("#")) continue;
      const parsed = parseLine(line);
      if (!parsed.ok) return { ok: false, error: `line ${index + 1}: ${parsed.error}` };
      if (names.has(parsed.line.name)) return { ok: false, error: `line ${index + 1}: the name ${parsed.line.name} is used twice` };
      names.add(parsed.line.name);
      keys.push({ hash: Buffer.from(parsed.line.sha256, "hex"), principal: principalOf(`key:${parsed.line.name}`, parsed.line.scopes, parsed.line.accounts) });
      if (keys.length > API_KEYS_MAX) return { ok: false, error: `more than ${API_KEYS_MAX} keys` };
    }
    return { ok: true, registry: new ApiKeyRegistry(keys) };
  }

  /** The key's caller, or null. Compares with every key, whatever matches first. */
  find(presented: string): Principal | null {
    if (presented.length === 0 || presented.length > API_KEY_LENGTH_MAX) return null;
    const hash = sha256Of(presented);
    let found: Principal | null = null;
    for (const key of this.keys) if (timingSafeEqual(key.hash, hash)) found = key.principal;
    return found;
  }
}

function parseLine(line: string): { ok: true; line: ApiKeyLine } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, error: "not valid JSON" };
  }
  if (ApiKeyLineCheck.Check(value)) return { ok: true, line: value };
  const first = ApiKeyLineCheck.Errors(value).First();
  const field = first === undefined || first.path === "" ? "line" : first.path.slice(1).replaceAll("/", ".");
  return { ok: false, error: `${field}: ${first === undefined ? "invalid" : problemOf(first.message, first.schema as Record<string, unknown>)}` };
}

function sha256Of(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** A new random key (256 bits) and the line that stores its hash; the key is shown once, to the caller. */
export function mintApiKey(name: string, scopes: readonly string[], accounts: "*" | readonly string[]): { key: string; line: ApiKeyLine } {
  const key = KEY_PREFIX + randomBytes(32).toString("base64url");
  return { key, line: { name, sha256: sha256Of(key).toString("hex"), scopes: [...scopes], accounts: accounts === "*" ? "*" : [...accounts] } };
}
