/**
 * Long scans share the engine's one thread with its messages and reads: a reconciliation pass
 * visits every account held, and over 100k accounts its loop held the thread for 52–125 ms at
 * once (bench/README.md, "The reconciler held the thread for its whole scan"), a stall in every
 * read and message behind it.
 * A scan awaits `scanTurn` every `SCAN_SLICE` items, whatever it keeps of them, so that what
 * waits runs in between.
 */
export const SCAN_SLICE = 256;

/** Resolves on a later turn of the event loop: after the I/O and timers waiting now. */
export function scanTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
