/**
 * wrk as rest-read's load generator (its own process): a Lua script asks for a random account of
 * the loaded set on every request and prints, in `done()`, the figures the benchmark needs
 * (wrk's own percentiles include p99.9 there, which its --latency table does not).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WrkRun {
  readonly requestsPerSec: number;
  readonly requests: number;
  readonly durationSec: number;
  readonly p50Ms: number;
  readonly p75Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Non-2xx/3xx answers (wrk's "status" errors). */
  readonly badStatus: number;
  readonly socketErrors: number;
  readonly timeouts: number;
}

export interface WrkOptions {
  readonly threads: number;
  readonly connections: number;
  readonly durationSec: number;
}

/**
 * The Lua script: GET /v1/accounts/{prefix}{0..count-1}/balance at random; a summary line at the
 * end. With `tokens`, each request also carries one of them, at random, as its bearer JWT.
 */
function luaScript(accountPrefix: string, accountCount: number, tokens: readonly string[]): string {
  return `
local prefix = ${JSON.stringify(accountPrefix)}
local count = ${accountCount}
local tokens = { ${tokens.map((token) => JSON.stringify(token)).join(", ")} }
local threadCount = 0
function setup(thread)
  thread:set("seed", threadCount)
  threadCount = threadCount + 1
end
function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0) * 7919)
end
function request()
  local path = "/v1/accounts/" .. prefix .. math.random(0, count - 1) .. "/balance"
  if #tokens == 0 then return wrk.format("GET", path) end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)] })
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p75_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d status=%d connect=%d read=%d write=%d timeout=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
`;
}

export class WrkDriver {
  private readonly dir = mkdtempSync(join(tmpdir(), "rest-read-wrk-"));
  private readonly script = join(this.dir, "balance.lua");

  /** `tokens`: JWTs to send, one picked at random per request (none: no Authorization header). */
  constructor(accountPrefix: string, accountCount: number, tokens: readonly string[] = []) {
    writeFileSync(this.script, luaScript(accountPrefix, accountCount, tokens));
  }

  /** The command line, for the notes. */
  command(o: WrkOptions, url = "http://HOST:PORT"): string {
    return `wrk -t${o.threads} -c${o.connections} -d${o.durationSec}s --latency --timeout 2s -s balance.lua ${url}`;
  }

  async run(base: string, o: WrkOptions): Promise<WrkRun> {
    const wrk = Bun.spawn(["wrk", `-t${o.threads}`, `-c${o.connections}`, `-d${o.durationSec}s`, "--latency", "--timeout", "2s", "-s", this.script, base], {
      stdout: "pipe", stderr: "pipe",
    });
    // Bounded: wrk stops itself after the duration; this is only a guard against a hang.
    const guard = setTimeout(() => wrk.kill("SIGKILL"), (o.durationSec + 30) * 1000);
    const [out, err, code] = await Promise.all([new Response(wrk.stdout).text(), new Response(wrk.stderr).text(), wrk.exited]);
    clearTimeout(guard);
    const line = out.split("\n").find((l) => l.startsWith("BENCH "));
    if (code !== 0 || line === undefined) throw new Error(`wrk exited ${code}:\n${out}\n${err}`);
    const f = Object.fromEntries(line.slice(6).trim().split(" ").map((kv) => kv.split("=") as [string, string]).map(([k, v]) => [k, Number(v)]));
    const n = (key: string) => f[key] ?? NaN;
    const durationSec = n("duration_us") / 1e6;
    return {
      requestsPerSec: n("requests") / durationSec, requests: n("requests"), durationSec,
      p50Ms: n("p50_us") / 1000, p75Ms: n("p75_us") / 1000, p90Ms: n("p90_us") / 1000, p99Ms: n("p99_us") / 1000,
      p999Ms: n("p999_us") / 1000, maxMs: n("max_us") / 1000,
      badStatus: n("status"), socketErrors: n("connect") + n("read") + n("write"), timeouts: n("timeout"),
    };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
