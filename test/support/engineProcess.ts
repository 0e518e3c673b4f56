/** The engine as a separate process (`bun src/main.ts`), so that tests can kill -9 it. */
import { appendFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { eventually } from "./services.ts";
import { unusedPort } from "./unusedPort.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface EngineProcess {
  readonly port: number;
  readonly base: string;
  readonly process: Subprocess;
  kill9(): Promise<void>;
  terminate(): Promise<number>;
}

export function spawnEngine(env: Record<string, string>, logFile: string): Promise<EngineProcess> {
  return spawnRole([], "PORT", env, logFile, true);
}

/** The ledger worker (`bun src/main.ts --role ledger-worker`) as a process; ready once its /health answers. */
export function spawnLedgerWorker(env: Record<string, string>, logFile: string, waitHealthy = true): Promise<EngineProcess> {
  return spawnRole(["--role", "ledger-worker"], "LEDGER_WORKER_PORT", env, logFile, waitHealthy);
}

async function spawnRole(args: string[], portVariable: string, env: Record<string, string>, logFile: string, waitHealthy: boolean): Promise<EngineProcess> {
  const port = unusedPort();
  const child = Bun.spawn(["bun", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", KAFKA_SESSION_TIMEOUT_MS: "6000", ...env, [portVariable]: String(port) },
    stdout: "pipe",
    stderr: "pipe",
  });
  void pipeTo(child.stdout, logFile);
  void pipeTo(child.stderr, logFile);
  const base = `http://127.0.0.1:${port}`;
  if (waitHealthy) await eventually(async () => (await fetch(`${base}/health`)).ok, 30_000, `${args.join(" ") || "engine"} health`);
  return {
    port,
    base,
    process: child,
    async kill9() {
      child.kill(9);
      await child.exited;
    },
    async terminate() {
      child.kill("SIGTERM");
      return child.exited;
    },
  };
}

async function pipeTo(stream: ReadableStream<Uint8Array>, logFile: string): Promise<void> {
  for await (const chunk of stream) appendFileSync(logFile, chunk);
}

export interface EngineExit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bun src/main.ts` until it exits by itself (a start that fails), at most `timeoutMs` (then killed: a failure). */
export async function runEngineUntilExit(env: Record<string, string>, timeoutMs = 60_000): Promise<EngineExit> {
  const child = Bun.spawn(["bun", "src/main.ts"], {
    cwd: ROOT, env: { ...process.env, LOG_LEVEL: "info", ...env }, stdout: "pipe", stderr: "pipe",
  });
  const killer = setTimeout(() => child.kill(9), timeoutMs);
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  clearTimeout(killer);
  if (child.signalCode === "SIGKILL") throw new Error(`the engine did not exit within ${timeoutMs} ms; stdout:\n${stdout}`);
  return { code, stdout, stderr };
}

/** Every stdout line as JSON; throws on a line that is not. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((line) => line !== "").map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
  });
}
