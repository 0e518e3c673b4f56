/**
 * rest-read's fixed-rate phase: bench/lib/openLoopLoad.c (an open-loop generator: every request
 * timed from when it was due, so a stall is not hidden by coordinated omission), built with gcc
 * from Debian once per run, then run as its own process against one server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_ROOT, ensureDebianPackage } from "./benchServices.ts";

export interface OpenLoopOptions {
  readonly ratePerSec: number;
  readonly durationSec: number;
  readonly connections: number;
}

export interface OpenLoopRun {
  /** Requests the schedule had (rate × duration), answered ones, and those never answered. */
  readonly due: number;
  readonly done: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Answers per second from the first due time to the last answer. */
  readonly achievedPerSec: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Due → sent (included in the latencies above): waiting for a free connection (the server holding all of them) or for the generator's own turn on the CPU. */
  readonly sendLagP99Ms: number;
  readonly sendLagMaxMs: number;
}

export class OpenLoopDriver {
  private readonly dir = mkdtempSync(join(tmpdir(), "rest-read-open-loop-"));
  private readonly binary = join(this.dir, "openLoopLoad");

  constructor(private readonly accountPrefix: string, private readonly accountCount: number) {
    ensureDebianPackage("gcc");
    const build = Bun.spawnSync(["gcc", "-O2", "-o", this.binary, join(BENCH_ROOT, "bench/lib/openLoopLoad.c")], { stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`gcc openLoopLoad.c: ${build.stderr}`);
  }

  /** The command line, for the notes. */
  command(o: OpenLoopOptions): string {
    return `openLoopLoad PORT ${o.ratePerSec} ${o.durationSec} ${o.connections} PREFIX ${this.accountCount}`;
  }

  async run(port: number, o: OpenLoopOptions): Promise<OpenLoopRun> {
    const args = [String(port), String(o.ratePerSec), String(o.durationSec), String(o.connections), this.accountPrefix, String(this.accountCount)];
    const child = Bun.spawn([this.binary, ...args], { stdout: "pipe", stderr: "pipe" });
    // Bounded: the generator stops 2 s after its last due time; this only guards against a hang.
    const guard = setTimeout(() => child.kill("SIGKILL"), (o.durationSec + 30) * 1000);
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    clearTimeout(guard);
    const line = out.split("\n").find((l) => l.startsWith("OPENLOOP "));
    if (code !== 0 || line === undefined) throw new Error(`openLoopLoad exited ${code}:\n${out}\n${err}`);
    const f = Object.fromEntries(line.slice(9).trim().split(" ").map((kv) => kv.split("=") as [string, string]).map(([k, v]) => [k, Number(v)]));
    const n = (key: string) => f[key] ?? NaN;
    const ms = (key: string) => n(key) / 1000;
    return {
      due: n("due"), done: n("done"), errors: n("errors"), non2xx: n("non2xx"),
      achievedPerSec: n("done") / (n("duration_us") / 1e6),
      p50Ms: ms("p50_us"), p90Ms: ms("p90_us"), p99Ms: ms("p99_us"), p999Ms: ms("p999_us"), maxMs: ms("max_us"),
      sendLagP99Ms: ms("send_lag_p99_us"), sendLagMaxMs: ms("send_lag_max_us"),
    };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
