/**
 * The credentials the engine accepts, read once at start from the config: the JWT key (its
 * algorithm pinned by its type) and the API keys file. A key that cannot be read or parsed is an
 * invalid configuration (exit 2), named by its variable, never a start that lets callers through.
 */
import { readFileSync } from "node:fs";
import { authModeOf, type Config } from "../../config.ts";
import { ApiKeyRegistry } from "../../http/auth/apiKeys.ts";
import { jwtVerifierOf, publicKeyAlgorithmOf, type JwtAlgorithm, type JwtSettings, type JwtVerifier } from "../../http/auth/jwtVerifier.ts";

export interface AuthSetup {
  readonly required: boolean;
  readonly jwt: JwtVerifier | null;
  readonly jwtAlgorithm: JwtAlgorithm | null;
  readonly apiKeys: ApiKeyRegistry | null;
}

export type AuthSetupResult = { readonly ok: true; readonly setup: AuthSetup } | { readonly ok: false; readonly errors: string[] };

export function loadAuthSetup(config: Config): AuthSetupResult {
  const required = authModeOf(config) === "required";
  if (!required) return { ok: true, setup: { required, jwt: null, jwtAlgorithm: null, apiKeys: null } };
  const errors: string[] = [];
  const jwt = jwtSettingsOf(config);
  if ("error" in jwt) errors.push(jwt.error);
  const apiKeys = apiKeysOf(config.API_KEYS_FILE);
  if ("error" in apiKeys) errors.push(apiKeys.error);
  if ("error" in jwt || "error" in apiKeys) return { ok: false, errors };
  return {
    ok: true,
    setup: {
      required, jwt: jwt.settings === null ? null : jwtVerifierOf(jwt.settings), jwtAlgorithm: jwt.settings?.algorithm ?? null,
      apiKeys: apiKeys.registry,
    },
  };
}

function jwtSettingsOf(config: Config): { settings: JwtSettings | null } | { error: string } {
  const common = {
    clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
    ...(config.JWT_ISSUER === "" ? {} : { issuer: config.JWT_ISSUER }),
    ...(config.JWT_AUDIENCE === "" ? {} : { audience: config.JWT_AUDIENCE }),
  };
  if (config.JWT_SECRET !== "") return { settings: { ...common, algorithm: "HS256", key: new TextEncoder().encode(config.JWT_SECRET) } };
  if (config.JWT_PUBLIC_KEY === "") return { settings: null };
  const pem = pemOf(config.JWT_PUBLIC_KEY);
  if ("error" in pem) return { error: `JWT_PUBLIC_KEY: ${pem.error}` };
  const key = publicKeyAlgorithmOf(pem.text);
  if ("error" in key) return { error: `JWT_PUBLIC_KEY: ${key.error}` };
  return { settings: { ...common, algorithm: key.algorithm, key: key.key } };
}

/** The PEM itself, or the path of a file that holds it. */
function pemOf(value: string): { text: string } | { error: string } {
  if (value.trimStart().startsWith("-----BEGIN")) return { text: value.replaceAll("\\n", "\n") };
  try {
    return { text: readFileSync(value, "utf8") };
  } catch (error) {
    return { error: `neither a PEM nor a readable file (${error instanceof Error ? error.message : String(error)})` };
  }
}

function apiKeysOf(path: string): { registry: ApiKeyRegistry | null } | { error: string } {
  if (path === "") return { registry: null };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { error: `API_KEYS_FILE: cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = ApiKeyRegistry.parse(text);
  return parsed.ok ? { registry: parsed.registry } : { error: `API_KEYS_FILE: ${parsed.error}` };
}
