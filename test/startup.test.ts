/**
 * A start that cannot work ends at once with one JSON line naming what and which variable, and
 * exit code 1: a taken port, and each outside service down (Postgres, Redis, Kafka). The service
 * that is down is a real server of this test's own, stopped (Postgres), or a port of this test's
 * own where nothing listens (Redis, Kafka); the one that is up is the real shared server.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { jsonLines, runEngineUntilExit, spawnEngine, type EngineExit } from "./support/engineProcess.ts";
import { privatePostgres } from "./support/privatePostgres.ts";
import { ensureServices, KAFKA_BROKERS, REDIS_URL, TEST_BUS_SECRET } from "./support/services.ts";

const PG_PORT = 5441; // a Postgres of this file's own, stopped for the test
const REDIS_DOWN_URL = "redis://127.0.0.1:6391"; // nothing listens there
const KAFKA_DOWN_BROKERS = "127.0.0.1:19093"; // nothing listens there
const postgres = privatePostgres(PG_PORT);

beforeAll(() => {
  ensureServices("kafka", "redis");
  postgres.start();
  postgres.stop();
}, 300_000);

afterAll(() => postgres.clean());

/** The one start_failed line; every line the process printed is JSON with time, level and event, and stderr is empty. */
function startFailure(exit: EngineExit): Record<string, unknown> {
  const lines = jsonLines(exit.stdout);
  for (const line of lines) expect(Object.keys(line).slice(0, 3)).toEqual(["time", "level", "event"]);
  expect(exit.stderr).toBe("");
  const failures = lines.filter((line) => line.event === "start_failed");
  expect(failures).toHaveLength(1);
  return failures[0]!;
}

test("a second engine on a PORT another engine holds fails at start, naming PORT, with exit code 1; the first keeps serving", async () => {
  const first = await spawnEngine({}, "/tmp/startup-port-first.log");
  try {
    const second = await runEngineUntilExit({ PORT: String(first.port) });
    expect(second.code).toBe(1);
    expect(startFailure(second)).toMatchObject({ level: "error", reason: "port_in_use", service: "http", variable: "PORT" });
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${first.base}/health`).then((r) => r.status)));
    expect(answers).toEqual(Array(10).fill(200));
  } finally {
    await first.terminate();
  }
}, 120_000);

test("Postgres down at start: exit code 1 and one line naming postgres and DATABASE_URL, no stack trace", async () => {
  const exit = await runEngineUntilExit({ DATABASE_URL: postgres.url, PORT: "0" });
  expect(exit.code).toBe(1);
  expect(startFailure(exit)).toMatchObject({ reason: "service_unavailable", service: "postgres", variable: "DATABASE_URL" });
}, 120_000);

test("Redis down at start with Kafka: exit code 1 and one line naming redis and REDIS_URL", async () => {
  const exit = await runEngineUntilExit({ KAFKA_BROKERS, REDIS_URL: REDIS_DOWN_URL, REDIS_BUS_SECRET: TEST_BUS_SECRET, AUTH_MODE: "none", PORT: "0" });
  expect(exit.code).toBe(1);
  expect(startFailure(exit)).toMatchObject({ reason: "service_unavailable", service: "redis", variable: "REDIS_URL" });
}, 120_000);

test("Kafka down at start: exit code 1 and one line naming kafka and KAFKA_BROKERS", async () => {
  const exit = await runEngineUntilExit({ KAFKA_BROKERS: KAFKA_DOWN_BROKERS, REDIS_URL, REDIS_BUS_SECRET: TEST_BUS_SECRET, AUTH_MODE: "none", PORT: "0" });
  expect(exit.code).toBe(1);
  expect(startFailure(exit)).toMatchObject({ reason: "service_unavailable", service: "kafka", variable: "KAFKA_BROKERS" });
}, 120_000);
