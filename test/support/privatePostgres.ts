/**
 * A PostgreSQL server of a test's own (scripts/private-postgres.sh), on a spare port, so that a
 * test can stop it (a real outage: connections refused) without disturbing the shared server.
 * Each test file picks its own port; `clean` in afterAll stops it and deletes its directory.
 */
import { run } from "./services.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface PrivatePostgres {
  readonly url: string;
  start(): void;
  stop(): void;
  clean(): void;
}

export function privatePostgres(port: number): PrivatePostgres {
  const script = (action: string) => run(["bash", `${ROOT}scripts/private-postgres.sh`, action, String(port)]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => void script("start"),
    stop: () => void script("stop"),
    clean: () => void script("clean"),
  };
}
