/**
 * A Redis server of a test's own, on a spare port and without persistence, so that a test can
 * stop it (a real outage: connections refused) or empty it without disturbing the shared server.
 */
import { run } from "./services.ts";

export interface PrivateRedis {
  readonly url: string;
  /** Starts it unless it answers already, and waits until it does. */
  start(): Promise<void>;
  /** Stops it at once, without saving, and waits until it no longer answers. */
  stop(): void;
  answers(): boolean;
}

export function privateRedis(port: number, logName: string): PrivateRedis {
  const answers = () => Bun.spawnSync(["redis-cli", "-p", String(port), "ping"]).stdout.toString().trim() === "PONG";
  return {
    url: `redis://127.0.0.1:${port}`,
    answers,
    async start() {
      if (answers()) return;
      run(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes", "--logfile", `/tmp/${logName}-redis.log`]);
      for (let attempt = 0; !answers(); attempt++) {
        if (attempt === 100) throw new Error(`the private Redis on port ${port} did not start`);
        await Bun.sleep(50);
      }
    },
    stop() {
      Bun.spawnSync(["redis-cli", "-p", String(port), "shutdown", "nosave"]);
      for (let attempt = 0; answers() && attempt < 100; attempt++) Bun.sleepSync(20);
    },
  };
}
