/**
 * The event log and what reads it: ClickHouse with CLICKHOUSE_URL; without it, in the embedded
 * store (PGlite), so that `bun start` alone has history. An engine on a Postgres server
 * (DATABASE_URL) without ClickHouse keeps no event log: every message would be a write to the
 * bank's transactional database, so history there needs ClickHouse.
 */
import { ClickHouseConnection } from "../../adapters/clickhouse/connection.ts";
import { ClickHouseEventLog } from "../../adapters/clickhouse/eventLog.ts";
import { ClickHouseHistoryReader } from "../../adapters/clickhouse/historyReader.ts";
import { ClickHouseVelocityReader } from "../../adapters/clickhouse/velocityReader.ts";
import { SqlEventLog } from "../../adapters/postgres/sqlEventLog.ts";
import { SqlHistoryReader } from "../../adapters/postgres/sqlHistoryReader.ts";
import type { SqlQuery } from "../../adapters/postgres/sqlClient.ts";
import type { Config } from "../../config.ts";
import type { Logger } from "../../observability/log.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { EventHistory, EventLogWriter, RiskScoreLog, VelocityReader } from "../../runtime/ports.ts";
import { ClickHouseFraudScoreLog } from "../../adapters/clickhouse/fraudScoreLog.ts";

export interface EventLogMode {
  readonly writer: EventLogWriter;
  readonly history: EventHistory;
  /** Velocity needs ClickHouse's windows; null in the embedded store. */
  readonly velocity: VelocityReader | null;
  /** `fraud_scores_history`: ClickHouse only. */
  readonly riskScores: RiskScoreLog | null;
  start(): void;
  buffered(): number;
  failuresInARow(): number;
  close(): Promise<void>;
}

/** null: no event log (a Postgres server without ClickHouse). */
export function openEventLogMode(config: Config, metrics: Metrics, log: Logger, store: SqlQuery): EventLogMode | null {
  if (config.CLICKHOUSE_URL !== "") return openClickHouseEventLog(config, metrics, log);
  if (config.DATABASE_URL !== "") return null;
  const eventLog = new SqlEventLog({
    sql: store, log, bufferRowsMax: config.EVENT_LOG_BUFFER_MAX, flushIntervalMs: config.EVENT_LOG_FLUSH_MS,
    rowsMax: config.EVENT_LOG_STORE_ROWS_MAX,
    onDropped: (count, reason) => metrics.eventLogDroppedTotal.inc({ reason }, count),
  });
  return {
    writer: eventLog, history: new SqlHistoryReader(store, log), velocity: null, riskScores: null,
    start: () => eventLog.start(),
    buffered: () => eventLog.stats().buffered,
    failuresInARow: () => eventLog.stats().failuresInARow,
    async close() {
      const flushed = await eventLog.stop();
      if (!flushed.ok) log.error("event_log_flush_failed", { buffered: flushed.buffered });
    },
  };
}

function openClickHouseEventLog(config: Config, metrics: Metrics, log: Logger): EventLogMode {
  const connection = new ClickHouseConnection({ url: config.CLICKHOUSE_URL });
  const database = config.CLICKHOUSE_DATABASE;
  const eventLog = new ClickHouseEventLog({
    connection, database, log,
    bufferRowsMax: config.EVENT_LOG_BUFFER_MAX,
    flushIntervalMs: config.EVENT_LOG_FLUSH_MS,
    onDropped: (count, reason) => metrics.eventLogDroppedTotal.inc({ reason }, count),
  });
  const riskScores = new ClickHouseFraudScoreLog(connection, database, log, (count) => metrics.dropsTotal.inc({ what: "fraud_scores" }, count));
  return {
    writer: eventLog, riskScores,
    history: new ClickHouseHistoryReader({ connection, database, log }),
    velocity: new ClickHouseVelocityReader({ connection, database, log }),
    start: () => {
      eventLog.start();
      riskScores.start();
    },
    buffered: () => eventLog.stats().buffered,
    failuresInARow: () => eventLog.stats().failuresInARow,
    async close() {
      const flushed = await eventLog.stop();
      if (!flushed.ok) log.error("event_log_flush_failed", { buffered: flushed.buffered });
      await riskScores.stop();
      await connection.close();
    },
  };
}
