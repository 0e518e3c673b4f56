/**
 * How AUTH_MODE decides at start: Kafka never starts open by default (exit 2, naming
 * AUTH_MODE), a key file that cannot be read is an invalid configuration (exit 2, naming
 * API_KEYS_FILE), and embedded mode with nothing configured starts open, saying so in a warning.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { jsonLines, runEngineUntilExit, spawnEngine } from "../support/engineProcess.ts";
import { KAFKA_BROKERS, REDIS_URL, TEST_BUS_SECRET } from "../support/services.ts";

/** What the engine was given beyond this file's env: AUTH_MODE and credentials from the shell must not leak in. */
const CLEAN = { AUTH_MODE: "", JWT_SECRET: "", JWT_PUBLIC_KEY: "", API_KEYS_FILE: "", PORT: "0" };

function invalidConfigErrors(stdout: string): string[] {
  const line = jsonLines(stdout).find((entry) => entry.event === "invalid_config");
  return (line?.errors as string[] | undefined) ?? [];
}

test("bun start with KAFKA_BROKERS and no auth configuration exits 2 naming AUTH_MODE", async () => {
  const exit = await runEngineUntilExit({ ...CLEAN, KAFKA_BROKERS, REDIS_URL, REDIS_BUS_SECRET: TEST_BUS_SECRET });
  expect(exit.code).toBe(2);
  expect(invalidConfigErrors(exit.stdout).some((error) => error.startsWith("AUTH_MODE:"))).toBe(true);
}, 60_000);

test("an API_KEYS_FILE that cannot be read exits 2 naming API_KEYS_FILE", async () => {
  const exit = await runEngineUntilExit({ ...CLEAN, API_KEYS_FILE: "/nonexistent/keys.jsonl" });
  expect(exit.code).toBe(2);
  expect(invalidConfigErrors(exit.stdout).some((error) => error.startsWith("API_KEYS_FILE:"))).toBe(true);
}, 60_000);

test("embedded mode with nothing configured starts open and says so in a warning at start", async () => {
  const logFile = `/tmp/auth-open-${Date.now()}.log`;
  const engine = await spawnEngine(CLEAN, logFile); // spawnEngine picks the PORT
  try {
    expect((await fetch(`${engine.base}/v1/dlq`)).status).toBe(200);
  } finally {
    await engine.terminate();
  }
  const lines = jsonLines(readFileSync(logFile, "utf8"));
  expect(lines.find((line) => line.event === "auth_disabled")).toMatchObject({ level: "warn", authMode: "none" });
  expect(lines.find((line) => line.event === "engine_started")).toMatchObject({ authMode: "none" });
}, 60_000);
