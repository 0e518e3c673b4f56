/**
 * The engine process: read the config, start the engine, stop it gracefully on SIGTERM/SIGINT.
 * Exit codes: 0 after a graceful stop; 2 for an invalid configuration; 1 when the start failed
 * (a port in use, a service that does not answer: one `start_failed` line names it and its
 * variable), a shutdown that timed out, or an uncaught error. Everything it prints is a JSON
 * line of the logger's one shape on stdout, process warnings and uncaught errors included.
 */
import { loadConfig } from "../../config.ts";
import { stopOnSignals } from "../gracefulShutdown.ts";
import { createLogger } from "../../observability/log.ts";
import { LoopStallProbe, linuxThreadTimes } from "../../observability/loopStallProbe.ts";
import { routeProcessOutput } from "../../observability/processOutput.ts";
import { loadAuthSetup } from "./authSetup.ts";
import { startEngine } from "./composeEngine.ts";

export async function runEngine(argv: readonly string[]): Promise<void> {
  const loaded = loadConfig(process.env, argv);
  if (!loaded.ok) {
    createLogger("error").error("invalid_config", { errors: loaded.errors });
    process.exit(2);
  }
  const config = loaded.config;
  const auth = loadAuthSetup(config);
  if (!auth.ok) {
    createLogger("error").error("invalid_config", { errors: auth.errors });
    process.exit(2);
  }
  const log = createLogger(config.LOG_LEVEL);
  routeProcessOutput(log);
  // Started first: the start-up's own stalls (recovery) are part of what it shows.
  if (config.LOOP_STALL_REPORT_MS > 0) new LoopStallProbe(() => performance.now(), linuxThreadTimes()).start(config.LOOP_STALL_REPORT_MS, log);
  const started = await startEngine(config, log, auth.setup);
  if (!started.ok) {
    log.error("start_failed", { ...started.failure });
    process.exit(1);
  }
  const running = started.engine;

  stopOnSignals(log, config.SHUTDOWN_TIMEOUT_MS, () => running.stop());
}
