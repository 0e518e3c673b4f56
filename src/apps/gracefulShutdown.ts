/**
 * How every long-running role stops: on SIGTERM or SIGINT it runs `stop` once, within
 * `timeoutMs` (else exit 1 with `shutdown_timed_out`), then exits 0.
 */
import type { Logger } from "../observability/log.ts";

export function stopOnSignals(log: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutdown_requested", { signal });
    const deadline = setTimeout(() => {
      log.error("shutdown_timed_out", { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    await stop();
    clearTimeout(deadline);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
