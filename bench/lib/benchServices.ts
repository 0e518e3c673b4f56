/** Services and the engine process for benchmarks: the project's own scripts start them. */
import type { Subprocess } from "bun";

const ROOT = new URL("../..", import.meta.url).pathname;

export function ensureServices(...names: string[]): void {
  const run = Bun.spawnSync(["bash", `${ROOT}scripts/services-up.sh`, ...names], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`services-up.sh ${names.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
}

/** Installs a Debian package once (a load generator such as wrk). */
export function ensureDebianPackage(command: string, pkg: string = command): void {
  if (Bun.which(command) !== null) return;
  const run = Bun.spawnSync(["bash", "-c", `apt-get install -y -q ${pkg} || (apt-get update -q && apt-get install -y -q ${pkg})`], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0 || Bun.which(command) === null) throw new Error(`could not install ${pkg}: ${run.stderr}`);
}

/** A fresh database on the local Postgres for one benchmark run; `drop` removes it. */
export interface BenchDatabase {
  readonly url: string;
  drop(): void;
}

export function createBenchDatabase(prefix: string): BenchDatabase {
  const name = `${prefix}_${Date.now().toString(36)}`.replace(/[^a-z0-9_]/g, "_");
  psql(`CREATE DATABASE ${name}`);
  return { url: `postgres://postgres@127.0.0.1:5432/${name}`, drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function psql(sql: string): void {
  const run = Bun.spawnSync(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c", sql], { stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`psql failed: ${run.stderr}`);
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A port free right now, picked by the kernel (a random pick can land on a port that a client
 * socket of the load generator holds as its ephemeral port).
 */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export interface EngineUnderBench {
  readonly port: number;
  readonly base: string;
  readonly pid: number;
  readonly process: Subprocess;
  stop(): Promise<void>;
}

/**
 * Starts the engine (`bun src/main.ts`) as its own process, apart from the load generators. Its
 * logs go nowhere, or with BENCH_ENGINE_LOG=<file> to that file at level info (to diagnose a run).
 * BENCH_ENGINE_PROFILE=<dir> runs it under `bun --cpu-prof-md`, the profile written there at exit.
 */
export async function startEngineProcess(env: Record<string, string>): Promise<EngineUnderBench> {
  const port = freePort();
  const logFile = process.env.BENCH_ENGINE_LOG;
  const profileDir = process.env.BENCH_ENGINE_PROFILE;
  const profile = profileDir === undefined ? [] : ["--cpu-prof-md", `--cpu-prof-dir=${profileDir}`];
  const child = Bun.spawn(["bun", ...profile, "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: logFile === undefined ? "warn" : "info", ...env, PORT: String(port) },
    stdout: logFile === undefined ? "ignore" : Bun.file(logFile),
    stderr: "inherit",
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/health`)).ok, 60_000, "engine health");
  return {
    port, base, pid: child.pid, process: child,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

export const BENCH_ROOT = ROOT;

/** The balance bus's shared secret for benchmarked engines (the engine requires one with Kafka). */
export const BENCH_BUS_SECRET = "bench-bus-secret-0123456789abcdef0123";
