/**
 * Structured JSON logs, one line per event, on stdout, all in one shape:
 * `{"time","level","event",...fields}`. Everything the process prints goes through here (kafkajs's
 * logger too, see adapters/kafka/kafkaLog.ts). Amounts in fields are decimal strings, as on the
 * wire. Called per message only at `debug`.
 */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  /** The lowest level written. */
  readonly level: LogLevel;
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = defaultWrite): Logger {
  const at = (lineLevel: LogLevel) => (event: string, fields?: Record<string, unknown>) => {
    if (RANK[lineLevel] < RANK[level]) return;
    const head = { time: new Date().toISOString(), level: lineLevel, event };
    // The head's keys come first and win over a field of the same name (a client library's `level`).
    write(JSON.stringify(fields === undefined ? head : Object.assign({ ...head }, fields, head), jsonSafe));
  };
  return { level, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A log line never throws: a BigInt (Kafka offsets) becomes its digits, an Error its message. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return value.message;
  return value;
}

function defaultWrite(line: string): void {
  process.stdout.write(`${line}\n`);
}
