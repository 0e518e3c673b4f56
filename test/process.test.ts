/** The engine as users run it: `bun start`, configuration errors, graceful shutdown. */
import { expect, test } from "bun:test";
import { metricValue } from "./support/metrics.ts";
import { eventually } from "./support/services.ts";
import { unusedPort } from "./support/unusedPort.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * Waits until /health answers. The bound is generous (a loaded 2-core machine, a cold Bun cache):
 * it only tells a start that hangs from one that works; speed is measured in bench/, not here.
 */
const START_WAIT_MS_MAX = 120_000;
async function waitForHealth(port: number): Promise<boolean> {
  return eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, START_WAIT_MS_MAX, "engine health").then(() => true, () => false);
}

test("bun start serves with no outside services and stops cleanly on SIGTERM", async () => {
  const port = unusedPort();
  const engine = Bun.spawn(["bun", "start"], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdout: "pipe", stderr: "pipe" });
  expect(await waitForHealth(port)).toBe(true);
  engine.kill("SIGTERM");
  expect(await engine.exited).toBe(0);
  const logs = await new Response(engine.stdout).text();
  const events = logs.trim().split("\n").map((line) => JSON.parse(line).event);
  expect(events).toContain("engine_started");
  expect(events).toContain("engine_stopped");
});

test("an invalid configuration stops the start with exit code 2 and one JSON line on stdout, with its time, naming the variable", async () => {
  const engine = Bun.spawn(["bun", "start"], { cwd: ROOT, env: { ...process.env, PORT: "not-a-port" }, stdout: "pipe", stderr: "pipe" });
  expect(await engine.exited).toBe(2);
  const lines = (await new Response(engine.stdout).text()).trim().split("\n").map((line) => JSON.parse(line));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: "error", event: "invalid_config" });
  expect(Number.isNaN(Date.parse(lines[0].time))).toBe(false);
  expect(lines[0].errors.join(" ")).toContain("PORT");
});

test("--simulate feeds transactions that are applied, and an account of the feed has a balance", async () => {
  const port = unusedPort();
  const engine = Bun.spawn(["bun", "start", "--simulate"], {
    cwd: ROOT, env: { ...process.env, PORT: String(port), SIMULATE_ACCOUNTS: "200", SIMULATE_RATE: "2000" }, stdout: "ignore", stderr: "pipe",
  });
  try {
    expect(await waitForHealth(port)).toBe(true);
    const applied = () => metricValue(`http://127.0.0.1:${port}`, "messages_total", { topic: "bank.transactions", outcome: "applied" });
    const first = await applied();
    await eventually(async () => (await applied()) > first, 60_000, "simulated transactions applied");
    const balance = await fetch(`http://127.0.0.1:${port}/v1/accounts/ACC-100000/balance`);
    expect(balance.status).toBe(200);
    expect(await balance.json()).toMatchObject({ accountId: "ACC-100000", currency: expect.any(String), currentBalance: expect.stringMatching(/^-?\d+(\.\d+)?$/) });
  } finally {
    engine.kill("SIGTERM");
    await engine.exited;
  }
});
