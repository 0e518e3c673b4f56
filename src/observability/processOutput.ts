import type { Logger } from "./log.ts";

/**
 * Warnings (Bun prints kafkajs's TimeoutNegativeWarning, for one) and uncaught errors become log
 * lines instead of free text on stderr. An uncaught error still ends the process, as it would.
 */
export function routeProcessOutput(log: Logger): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => log.warn("process_warning", { name: warning.name, message: warning.message }));
  const fatal = (kind: string) => (error: unknown) => {
    log.error("uncaught_error", { kind, error: String(error), stack: error instanceof Error ? error.stack : undefined });
    process.exit(1);
  };
  process.on("uncaughtException", fatal("exception"));
  process.on("unhandledRejection", fatal("rejection"));
}
