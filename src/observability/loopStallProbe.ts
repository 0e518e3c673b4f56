/**
 * An opt-in diagnostic (LOOP_STALL_REPORT_MS > 0): a 1 ms timer that records how late the event
 * loop runs it. Every push waits behind whatever holds the loop, so a tail latency made of stalls
 * shows here and not in a CPU profile (which counts work, not waiting). On Linux the main
 * thread's scheduler counters (/proc/thread-self/schedstat) also tell, for the stalls, how much
 * of them the thread spent running (JS, the collector's pauses, native work on this thread) and
 * how much waiting for a core that other processes or threads held. One log line per report.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { Logger } from "./log.ts";

const TICK_MS = 1;
/** A tick this late or later is a stall. */
export const STALL_MS = 5;
/** Upper bounds (ms) of the lateness buckets; the last bucket takes everything above. */
export const LATE_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100] as const;

/** The main thread's time on a core and waiting for one, in ms, since it started. */
export interface ThreadTimes {
  readonly runningMs: number;
  readonly waitingMs: number;
}

export interface LoopStallReport {
  readonly ticks: number;
  /** Ticks per lateness bucket: `≤1`, `≤2`, … `>100` (ms). */
  readonly late: Record<string, number>;
  readonly lateMaxMs: number;
  readonly stalls: number;
  readonly stallMs: number;
  /** Of the stalls' time: the main thread running, and waiting for a core (null: not on Linux). */
  readonly stallRunningMs: number | null;
  readonly stallWaitingMs: number | null;
}

export class LoopStallProbe {
  private lastTickMs: number;
  private lastTimes: ThreadTimes | null;
  private counts = new Array<number>(LATE_BUCKETS_MS.length + 1).fill(0);
  private ticks = 0;
  private lateMaxMs = 0;
  private stalls = 0;
  private stallMs = 0;
  private stallRunningMs = 0;
  private stallWaitingMs = 0;
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(private readonly now: () => number, private readonly threadTimes: () => ThreadTimes | null) {
    this.lastTickMs = now();
    this.lastTimes = threadTimes();
  }

  /** The timer fired: it was due TICK_MS after the previous one. */
  tick(): void {
    const at = this.now();
    const late = Math.max(0, at - this.lastTickMs - TICK_MS);
    this.lastTickMs = at;
    const times = this.threadTimes();
    this.ticks += 1;
    this.counts[bucketOf(late)]! += 1;
    if (late > this.lateMaxMs) this.lateMaxMs = late;
    if (late >= STALL_MS) {
      this.stalls += 1;
      this.stallMs += late;
      if (times !== null && this.lastTimes !== null) {
        this.stallRunningMs += times.runningMs - this.lastTimes.runningMs;
        this.stallWaitingMs += times.waitingMs - this.lastTimes.waitingMs;
      }
    }
    this.lastTimes = times;
  }

  /** What was seen since the last report; starts counting afresh. */
  report(): LoopStallReport {
    const late: Record<string, number> = {};
    LATE_BUCKETS_MS.forEach((bound, i) => (late[`<=${bound}`] = this.counts[i]!));
    late[`>${LATE_BUCKETS_MS.at(-1)}`] = this.counts[LATE_BUCKETS_MS.length]!;
    const split = this.lastTimes !== null;
    const report: LoopStallReport = {
      ticks: this.ticks, late, lateMaxMs: round(this.lateMaxMs), stalls: this.stalls, stallMs: round(this.stallMs),
      stallRunningMs: split ? round(this.stallRunningMs) : null, stallWaitingMs: split ? round(this.stallWaitingMs) : null,
    };
    this.counts.fill(0);
    this.ticks = this.lateMaxMs = this.stalls = this.stallMs = this.stallRunningMs = this.stallWaitingMs = 0;
    return report;
  }

  /** Ticks every TICK_MS and logs a report every `reportMs`; the timers keep no process alive. */
  start(reportMs: number, log: Logger): void {
    this.lastTickMs = this.now();
    this.timers.push(setInterval(() => this.tick(), TICK_MS).unref());
    this.timers.push(setInterval(() => log.info("loop_stalls", { ...this.report(), stallAtLeastMs: STALL_MS, reportMs }), reportMs).unref());
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}

function bucketOf(lateMs: number): number {
  const i = LATE_BUCKETS_MS.findIndex((bound) => lateMs <= bound);
  return i === -1 ? LATE_BUCKETS_MS.length : i;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * The calling thread's counters from /proc/thread-self/schedstat (nanoseconds on a core, waiting
 * on the run queue), read through one open descriptor: the probe reads it every tick. Null where
 * the file does not exist (not Linux).
 */
export function linuxThreadTimes(): (() => ThreadTimes | null) & { close(): void } {
  let fd: number | null = null;
  try {
    fd = openSync("/proc/thread-self/schedstat", "r");
  } catch {
    fd = null;
  }
  const buffer = Buffer.alloc(128);
  const read = () => {
    if (fd === null) return null;
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return parseSchedstat(buffer.toString("latin1", 0, n));
  };
  return Object.assign(read, { close: () => void (fd !== null && closeSync(fd)) });
}

/** "<ns running> <ns waiting> <timeslices>" → ms; null when the text is not that. */
export function parseSchedstat(text: string): ThreadTimes | null {
  const [running, waiting] = text.trim().split(" ");
  const runningNs = Number(running);
  const waitingNs = Number(waiting);
  if (!Number.isFinite(runningNs) || !Number.isFinite(waitingNs) || running === "" || waiting === undefined) return null;
  return { runningMs: runningNs / 1e6, waitingMs: waitingNs / 1e6 };
}
