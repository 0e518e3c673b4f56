/** Configuration is validated once at start: a bad value is refused with the variable named. */
import { expect, test } from "bun:test";
import { authModeOf, loadConfig } from "../src/config.ts";

test("an alert threshold beyond what minor units can hold is refused at configuration, naming ALERT_THRESHOLD", () => {
  const result = loadConfig({ ALERT_THRESHOLD: "99999999999999999999.00" });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.errors.join("\n")).toContain("ALERT_THRESHOLD");
  expect(loadConfig({ ALERT_THRESHOLD: "10000.00" }).ok).toBe(true);
});

test("a LOG_LEVEL that is not one of the levels is refused with the levels listed", () => {
  const result = loadConfig({ LOG_LEVEL: "verbose" });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.errors).toEqual(["LOG_LEVEL: must be one of debug, info, warn, error"]);
});

const KAFKA = { KAFKA_BROKERS: "127.0.0.1:9092", REDIS_URL: "redis://127.0.0.1:6379", REDIS_BUS_SECRET: "s".repeat(32) };
const errorsOf = (env: Record<string, string>) => {
  const result = loadConfig(env);
  return result.ok ? [] : result.errors;
};

test("with KAFKA_BROKERS and no credential the engine does not start open: refused, naming AUTH_MODE, unless AUTH_MODE=none is explicit", () => {
  expect(errorsOf(KAFKA).join("\n")).toStartWith("AUTH_MODE:");
  expect(errorsOf({ ...KAFKA, AUTH_MODE: "none" })).toEqual([]);
  expect(errorsOf({ ...KAFKA, JWT_SECRET: "j".repeat(32) })).toEqual([]);
});

test("setting a credential means AUTH_MODE required; nothing set in embedded mode means none", () => {
  const mode = (env: Record<string, string>) => {
    const result = loadConfig(env);
    return result.ok ? authModeOf(result.config) : "invalid";
  };
  expect(mode({})).toBe("none");
  expect(mode({ JWT_SECRET: "j".repeat(32) })).toBe("required");
  expect(mode({ API_KEYS_FILE: "/etc/keys.jsonl" })).toBe("required");
  expect(mode({ JWT_PUBLIC_KEY: "/etc/jwt.pem" })).toBe("required");
});

test("contradictory or weak auth settings are refused, each naming its variable", () => {
  expect(errorsOf({ AUTH_MODE: "required" }).join("\n")).toStartWith("AUTH_MODE:");
  expect(errorsOf({ AUTH_MODE: "none", JWT_SECRET: "j".repeat(32) }).join("\n")).toStartWith("AUTH_MODE:");
  expect(errorsOf({ JWT_SECRET: "short" })).toEqual(["JWT_SECRET: at least 32 characters"]);
  expect(errorsOf({ JWT_SECRET: "j".repeat(32), JWT_PUBLIC_KEY: "/etc/jwt.pem" }).join("\n")).toStartWith("JWT_SECRET:");
  expect(errorsOf({ JWT_CLOCK_TOLERANCE_SECONDS: "120" }).join("\n")).toStartWith("JWT_CLOCK_TOLERANCE_SECONDS:");
});

test("a WEBHOOK_URL needs a WEBHOOK_SECRET of 32+ characters, and must be an http(s) URL", () => {
  expect(errorsOf({ WEBHOOK_URL: "http://127.0.0.1:9/hooks" })).toEqual([
    "WEBHOOK_SECRET: required with WEBHOOK_URL, at least 32 characters (receivers verify each delivery with it)",
  ]);
  expect(errorsOf({ WEBHOOK_URL: "ftp://x", WEBHOOK_SECRET: "w".repeat(32) })).toEqual(["WEBHOOK_URL: an http:// or https:// URL"]);
  expect(errorsOf({ WEBHOOK_URL: "https://hooks.example/in", WEBHOOK_SECRET: "w".repeat(32) })).toEqual([]);
});

test("the ledger worker needs DATABASE_URL and KAFKA_BROKERS, and not the engine's Redis or credentials", () => {
  const worker = (env: Record<string, string>) => {
    const result = loadConfig(env, [], "ledger-worker");
    return result.ok ? [] : result.errors;
  };
  expect(worker({})).toEqual([
    "DATABASE_URL: required for the ledger worker (the ledger is in Postgres)",
    "KAFKA_BROKERS: required for the ledger worker (embedded mode runs the ledger inside `bun start`)",
  ]);
  expect(worker({ DATABASE_URL: "postgres://127.0.0.1/x", KAFKA_BROKERS: "127.0.0.1:9092" })).toEqual([]);
});
