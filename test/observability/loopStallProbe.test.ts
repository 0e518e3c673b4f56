/** The event-loop stall probe, driven by a fake clock and fake thread counters. */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { LoopStallProbe, linuxThreadTimes, parseSchedstat, type ThreadTimes } from "../../src/observability/loopStallProbe.ts";

function fakeProbe(withThread = true) {
  let nowMs = 0;
  let times: ThreadTimes = { runningMs: 0, waitingMs: 0 };
  const probe = new LoopStallProbe(() => nowMs, () => (withThread ? times : null));
  /** The next tick comes `afterMs` after the previous one; meanwhile the thread ran and waited so long. */
  const tickAfter = (afterMs: number, ranMs = 0, waitedMs = 0) => {
    nowMs += afterMs;
    times = { runningMs: times.runningMs + ranMs, waitingMs: times.waitingMs + waitedMs };
    probe.tick();
  };
  return { probe, tickAfter };
}

describe("LoopStallProbe", () => {
  test("a tick's lateness is the time past its 1 ms period, counted in its bucket", () => {
    const { probe, tickAfter } = fakeProbe();
    tickAfter(1.5); // 0.5 ms late
    tickAfter(8); // 7 ms late
    tickAfter(150); // 149 ms late
    const report = probe.report();
    expect(report.ticks).toBe(3);
    expect(report.late["<=1"]).toBe(1);
    expect(report.late["<=10"]).toBe(1);
    expect(report.late[">100"]).toBe(1);
    expect(report.lateMaxMs).toBe(149);
  });

  test("only a tick at least 5 ms late is a stall", () => {
    const { probe, tickAfter } = fakeProbe();
    tickAfter(5.9); // 4.9 ms late
    tickAfter(6); // 5 ms late
    const report = probe.report();
    expect(report.stalls).toBe(1);
    expect(report.stallMs).toBe(5);
  });

  test("a stall's time is split into the main thread running and waiting for a core", () => {
    const { probe, tickAfter } = fakeProbe();
    tickAfter(1, 0.2, 0); // on time: not part of any stall
    tickAfter(21, 12, 8);
    const report = probe.report();
    expect(report.stallRunningMs).toBe(12);
    expect(report.stallWaitingMs).toBe(8);
  });

  test("without the thread's counters the split is null, the stalls still counted", () => {
    const { probe, tickAfter } = fakeProbe(false);
    tickAfter(21);
    const report = probe.report();
    expect(report.stalls).toBe(1);
    expect(report.stallRunningMs).toBeNull();
    expect(report.stallWaitingMs).toBeNull();
  });

  test("a report starts the counts afresh", () => {
    const { probe, tickAfter } = fakeProbe();
    tickAfter(21, 20, 0);
    probe.report();
    tickAfter(1);
    const report = probe.report();
    expect(report).toMatchObject({ ticks: 1, stalls: 0, stallMs: 0, lateMaxMs: 0, stallRunningMs: 0 });
  });
});

describe("schedstat", () => {
  test("its first two numbers are nanoseconds running and waiting, given in ms", () => {
    expect(parseSchedstat("2500000 1000000 42\n")).toEqual({ runningMs: 2.5, waitingMs: 1 });
  });

  test("a text that is not three numbers gives null", () => {
    expect(parseSchedstat("")).toBeNull();
    expect(parseSchedstat("abc def")).toBeNull();
  });

  test.skipIf(!existsSync("/proc/thread-self/schedstat"))("on Linux this thread's running time only grows", () => {
    const read = linuxThreadTimes();
    const before = read()!;
    let x = 0;
    for (let i = 0; i < 2_000_000; i++) x += i % 7;
    const after = read()!;
    read.close();
    expect(x).toBeGreaterThan(0);
    expect(after.runningMs).toBeGreaterThan(before.runningMs);
  });
});
