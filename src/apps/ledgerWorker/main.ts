/**
 * The ledger worker process: read the config (Postgres and Kafka required), start, stop
 * gracefully on SIGTERM/SIGINT. Exit codes: 0 after a graceful stop; 2 for an invalid
 * configuration; 1 when the start failed or the shutdown timed out.
 */
import { loadConfig } from "../../config.ts";
import { stopOnSignals } from "../gracefulShutdown.ts";
import { createLogger } from "../../observability/log.ts";
import { routeProcessOutput } from "../../observability/processOutput.ts";
import { startLedgerWorker } from "./composeLedgerWorker.ts";

export async function runLedgerWorker(argv: readonly string[]): Promise<void> {
  const loaded = loadConfig(process.env, argv, "ledger-worker");
  if (!loaded.ok) {
    createLogger("error").error("invalid_config", { errors: loaded.errors });
    process.exit(2);
  }
  const config = loaded.config;
  const log = createLogger(config.LOG_LEVEL);
  routeProcessOutput(log);
  const running = await startLedgerWorker(config, log).catch((error: unknown) => {
    log.error("start_failed", { role: "ledger-worker", error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
  stopOnSignals(log, config.SHUTDOWN_TIMEOUT_MS, () => running.stop());
}
