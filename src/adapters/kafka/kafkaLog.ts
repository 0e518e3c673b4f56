/**
 * kafkajs's logger routed through ours, so that its lines are JSON lines of the engine's one
 * shape (`event: "kafka_client"`) instead of its own format. kafkajs filters by level before
 * calling the creator: errors only, unless the engine logs at debug (then kafkajs's info too:
 * group joins, broker connections; kafkajs's own debug is a line per request).
 */
import { logLevel, type KafkaConfig, type LogEntry } from "kafkajs";
import type { Logger } from "../../observability/log.ts";

export function kafkaLogOptions(log: Logger): Pick<KafkaConfig, "logLevel" | "logCreator"> {
  return {
    logLevel: log.level === "debug" ? logLevel.INFO : logLevel.ERROR,
    logCreator: () => (entry: LogEntry) => writeEntry(log, entry),
  };
}

function writeEntry(log: Logger, { namespace, level, log: line }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = line as LogEntry["log"] & { logger?: unknown };
  // kafkajs's root logger (its start-up notices) has no namespace.
  const event = { namespace: namespace || "kafkajs", message, ...fields };
  if (level === logLevel.ERROR || level === logLevel.NOTHING) return log.error("kafka_client", event);
  if (level === logLevel.WARN) return log.warn("kafka_client", event);
  if (level === logLevel.INFO) return log.info("kafka_client", event);
  return log.debug("kafka_client", event);
}
