/** Starts a real engine in this process on a free port, with logs kept quiet. */
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/observability/log.ts";
import { startEngine, type RunningEngine } from "../../src/apps/engine/composeEngine.ts";

export interface EngineUnderTest {
  readonly running: RunningEngine;
  readonly base: string;
  readonly wsUrl: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: unknown): Promise<Response>;
  put(path: string, body: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/** `logLine` receives the engine's log lines (at the env's LOG_LEVEL); without it they are dropped. */
export async function startEngineUnderTest(env: Record<string, string> = {}, logLine?: (line: string) => void): Promise<EngineUnderTest> {
  const loaded = loadConfig({ PORT: "0", LOG_LEVEL: "error", ...env });
  if (!loaded.ok) throw new Error(loaded.errors.join("; "));
  const log = logLine === undefined ? createLogger("error", () => {}) : createLogger(loaded.config.LOG_LEVEL, logLine);
  const started = await startEngine(loaded.config, log);
  if (!started.ok) throw new Error(`the engine did not start: ${JSON.stringify(started.failure)}`);
  const running = started.engine;
  const base = `http://127.0.0.1:${running.port}`;
  const send = (method: string) => (path: string, body: unknown) =>
    fetch(base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    running,
    base,
    wsUrl: `ws://127.0.0.1:${running.port}/v1/ws`,
    get: (path, headers) => fetch(base + path, headers === undefined ? undefined : { headers }),
    post: send("POST"),
    put: send("PUT"),
    stop: () => running.stop(),
  };
}

let sequence = 0;
const nextId = (prefix: string) => `${prefix}-${++sequence}`;

/** Wire JSON for an EOD balance message; override any field. */
export function eod(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "EOD_BALANCE", messageId: nextId("eod"), accountId: "123", facilityId: "456",
    balance: "1000.00", currency: "USD", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:05:00Z",
    ...overrides,
  };
}

/** Wire JSON for a transaction message; override any field. */
export function txn(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "TRANSACTION", messageId: nextId("m"), accountId: "123", eventType: "TRANSACTION_CREATED",
    transactionId: nextId("t"), amount: "100.00", currency: "USD", bookingDate: "2026-11-22",
    timestamp: "2026-11-22T09:30:00Z", ...overrides,
  };
}

/** The JSON body of a response, untyped: tests assert on its shape. */
export async function bodyOf(response: Response): Promise<any> {
  return response.json();
}
