/** The ClickHouse event log (written off the hot path) and its velocity reader, with CLICKHOUSE_URL. */
import { ClickHouseConnection } from "../../adapters/clickhouse/connection.ts";
import { ClickHouseEventLog } from "../../adapters/clickhouse/eventLog.ts";
import { ClickHouseVelocityReader } from "../../adapters/clickhouse/velocityReader.ts";
import type { Config } from "../../config.ts";
import type { Logger } from "../../observability/log.ts";
import type { Metrics } from "../../observability/metrics.ts";

export type EventLogMode = ReturnType<typeof openEventLogMode>;

export function openEventLogMode(config: Config, metrics: Metrics, log: Logger) {
  const connection = new ClickHouseConnection({ url: config.CLICKHOUSE_URL });
  const database = config.CLICKHOUSE_DATABASE;
  const eventLog = new ClickHouseEventLog({
    connection, database, log,
    bufferRowsMax: config.EVENT_LOG_BUFFER_MAX,
    flushIntervalMs: config.EVENT_LOG_FLUSH_MS,
    onDropped: (count, reason) => metrics.eventLogDroppedTotal.inc({ reason }, count),
  });
  return {
    eventLog,
    velocity: new ClickHouseVelocityReader({ connection, database, log }),
    async close() {
      const flushed = await eventLog.stop();
      if (!flushed.ok) log.error("event_log_flush_failed", { buffered: flushed.buffered });
      await connection.close();
    },
  };
}
