/** The engine process: read the config, start the engine, stop it gracefully on SIGTERM/SIGINT. */
import { loadConfig } from "../../config.ts";
import { startEngine } from "./composeEngine.ts";

export async function runEngine(argv: readonly string[]): Promise<void> {
  const loaded = loadConfig(process.env, argv);
  if (!loaded.ok) {
    process.stderr.write(`${JSON.stringify({ level: "error", event: "invalid_config", errors: loaded.errors })}\n`);
    process.exit(2);
  }
  const config = loaded.config;
  const running = await startEngine(config);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.log.info("shutdown_requested", { signal });
    const deadline = setTimeout(() => {
      running.log.error("shutdown_timed_out", { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    await running.stop();
    clearTimeout(deadline);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
