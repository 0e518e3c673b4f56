/** The engine as users run it: `bun start`, configuration errors, graceful shutdown. */
import { expect, test } from "bun:test";
import { eventually } from "./support/services.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function waitForHealth(port: number, attemptsMax = 100): Promise<boolean> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (ok) return true;
    await Bun.sleep(100);
  }
  return false;
}

test("bun start serves with no outside services and stops cleanly on SIGTERM", async () => {
  const port = 31_000 + Math.floor(Math.random() * 1000);
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

test("--simulate moves balances at once", async () => {
  const port = 30_000 + Math.floor(Math.random() * 1000);
  const engine = Bun.spawn(["bun", "start", "--simulate"], {
    cwd: ROOT, env: { ...process.env, PORT: String(port), SIMULATE_ACCOUNTS: "200", SIMULATE_RATE: "2000" }, stdout: "ignore", stderr: "pipe",
  });
  try {
    expect(await waitForHealth(port)).toBe(true);
    const versions = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/balance_engine_messages_total\{topic="bank.transactions",outcome="applied"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const first = await versions();
    await eventually(async () => (await versions()) > first, 30_000, "simulated transactions applied");
    const balance = await fetch(`http://127.0.0.1:${port}/v1/accounts/ACC-100000/balance`);
    expect(balance.status).toBe(200);
  } finally {
    engine.kill("SIGTERM");
    await engine.exited;
  }
});
