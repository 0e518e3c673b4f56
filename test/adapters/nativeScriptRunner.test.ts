/**
 * The snapshot writes' client (Bun's native Redis client), against a private real Redis that the
 * tests stop and start: a call fails at once while Redis is down, and works again after it is back.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { NativeScriptRunner } from "../../src/adapters/redis/nativeScriptRunner.ts";
import { privateRedis } from "../support/privateRedis.ts";

const server = privateRedis(6393, "native-script-runner");
const runner = new NativeScriptRunner(server.url);

beforeAll(async () => {
  server.stop();
  await server.start();
});

afterAll(() => {
  runner.close();
  server.stop();
});

test("a script gets its keys and arguments and its reply comes back", async () => {
  const reply = await runner.eval("redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])", ["native:k"], ["v1"]);
  expect(reply).toBe("v1");
  expect(await runner.eval("return 1", [], [])).toBe(1);
});

test("a script's own error fails the call and the next call works on the same connection", async () => {
  await expect(runner.eval("return redis.error_reply('refused here')", [], [])).rejects.toThrow(/refused here/);
  expect(await runner.eval("return -1", [], [])).toBe(-1);
});

test("while Redis is down a call fails at once instead of waiting, and after it is back a call works again", async () => {
  server.stop();
  const started = performance.now();
  await expect(runner.eval("return 1", [], [])).rejects.toThrow();
  expect(performance.now() - started).toBeLessThan(5000); // no offline queue: not held until Redis returns
  await server.start();
  expect(await runner.eval("return 2", [], [])).toBe(2);
}, 30_000);
