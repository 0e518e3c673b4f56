/**
 * The composition root: builds every part from the config and wires them together. The whole
 * program's wiring reads here. `main.ts` runs it as a process; tests run it in-process.
 * Embedded mode (no KAFKA_BROKERS): in-process bus fed by POST /v1/events, PGlite store.
 * With KAFKA_BROKERS and REDIS_URL: Kafka source, Redis snapshots and cross-instance push.
 */
import Redis from "ioredis";
import { hostname } from "node:os";
import type { AccountState } from "./actors/accountState.ts";
import { alertThresholdsFor } from "./actors/highValueAlert.ts";
import { balanceViewOf } from "./actors/balanceView.ts";
import { partitionForKey } from "./actors/partitionForKey.ts";
import type { Config } from "./config.ts";
import { BalanceEngine } from "./engine/balanceEngine.ts";
import { DeadLetterRing } from "./engine/deadLetterRing.ts";
import { accountRowOf } from "./engine/ports.ts";
import type { Readiness } from "./http/httpDeps.ts";
import { createApp } from "./http/app.ts";
import { createLogger, type Logger } from "./observability/log.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { decodeAccount } from "./persistence/accountCodec.ts";
import { ClickHouseConnection } from "./persistence/clickhouseConnection.ts";
import { ClickHouseEventLog } from "./persistence/clickhouseEventLog.ts";
import { ClickHouseVelocityReader } from "./persistence/clickhouseVelocity.ts";
import { AccountSync } from "./persistence/accountSync.ts";
import { openEmbeddedStore } from "./persistence/embeddedStore.ts";
import { KafkaDlqProducer } from "./persistence/kafkaDlqProducer.ts";
import { KafkaSource } from "./persistence/kafkaSource.ts";
import { PostgresAccountCopy } from "./persistence/postgresAccountCopy.ts";
import { openPostgresClient } from "./persistence/postgresClient.ts";
import { RedisBalanceBus } from "./persistence/redisBalanceBus.ts";
import { RedisSnapshotStore } from "./persistence/redisSnapshotStore.ts";
import { SqlFacilityStore } from "./persistence/sqlFacilityStore.ts";
import { TrafficSimulator } from "./simulate/trafficSimulator.ts";
import { SubscriptionHub } from "./ws/subscriptionHub.ts";
import { WsPublisher } from "./ws/wsPublisher.ts";

/** Messages that may wait behind facility lookups before ingestion answers 429. */
const QUEUED_MESSAGES_MAX = 100_000;

export interface RunningEngine {
  readonly port: number;
  readonly engine: BalanceEngine;
  readonly log: Logger;
  stop(): Promise<void>;
}

export async function startEngine(config: Config, log: Logger = createLogger(config.LOG_LEVEL)): Promise<RunningEngine> {
  const alertThresholds = alertThresholdsFor(config.ALERT_THRESHOLD);
  if (alertThresholds === null) throw new Error(`invariant: ALERT_THRESHOLD ${config.ALERT_THRESHOLD} passed loadConfig out of range`);
  const instanceId = config.INSTANCE_ID || `${hostname()}-${process.pid}`;
  const metrics = createMetrics();
  const store = config.DATABASE_URL === ""
    ? await openEmbeddedStore(config.PGLITE_DIR)
    : await openPostgresClient(config.DATABASE_URL, { onConnectionError: (error) => log.warn("postgres_error", { error: String(error) }) });
  const dlq = new DeadLetterRing(config.DLQ_MEMORY_MAX, config.DLQ_MEMORY_BYTES_MAX, () => metrics.dlqEvictedTotal.inc());
  const hub = new SubscriptionHub(config.WS_BUFFER_MAX_BYTES, config.WS_SUBSCRIPTIONS_MAX, () => metrics.wsSlowDisconnectsTotal.inc());
  const drop = (what: string) => () => metrics.dropsTotal.inc({ what });

  const production = config.KAFKA_BROKERS === "" ? null : openProduction(config, instanceId, log, drop);
  const ws = new WsPublisher(hub, production?.bus ?? null);

  const clickhouse = config.CLICKHOUSE_URL === "" ? null : openEventLog(config, metrics, log);
  let source: KafkaSource | null = null;
  // With Kafka, only the instance that owns an account writes its row (a zombie's rows are dropped).
  const sync = new AccountSync({
    sql: store, minIntervalMs: config.SYNC_MIN_INTERVAL_MS, maxDelayMs: config.SYNC_MAX_DELAY_MS,
    isOwner: production === null ? undefined : (accountId) => engine.stateOf(accountId) !== undefined,
    observer: syncObserver(metrics, log),
  });
  const syncAccount = (state: AccountState) => {
    const row = accountRowOf(state);
    if (row !== null) sync.markChanged(row);
  };
  const engine = new BalanceEngine({
    shardCount: config.SHARD_COUNT,
    alertThresholds,
    facilityCacheTtlMs: config.FACILITY_CACHE_TTL_MS,
    facilityCacheEntriesMax: config.FACILITY_CACHE_ENTRIES_MAX,
    facilities: new SqlFacilityStore(store),
    outputs: {
      balanceChanged: (state, shardId) => {
        source?.markChanged(shardId, state.accountId);
        syncAccount(state);
        ws.balanceChanged(state);
      },
      alertRaised: (alert) => ws.alertRaised(alert),
      deadLettered: (letter) => {
        dlq.push(letter);
        production?.dlqProducer.send(letter);
      },
      messageProcessed: clickhouse === null ? undefined : (event) => clickhouse.eventLog.record(event),
    },
    metrics,
    log,
  });

  if (production !== null) {
    await production.dlqProducer.connect();
    await production.bus.listen((message) => {
      if (engine.stateOf(message.accountId) !== undefined) return; // ours: already pushed locally
      if (message.kind === "balance") hub.publishBalance(message.accountId, message.data);
      else hub.publishAlert(message.accountId, message.data);
    });
    source = new KafkaSource({
      brokers: brokersOf(config), groupId: config.KAFKA_GROUP_ID, instanceId,
      topics: { eod: config.KAFKA_TOPIC_EOD, transactions: config.KAFKA_TOPIC_TRANSACTIONS, dlq: config.KAFKA_TOPIC_DLQ },
      snapshotIntervalMs: config.SNAPSHOT_INTERVAL_MS, sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS, stallMs: config.KAFKA_STALL_MS,
      // Rows of recovered accounts are written again, so the Postgres copy converges after any restart.
      onShardRecovered: (shardId) => engine.shardStates(shardId).forEach(syncAccount),
    }, engine, production.snapshots, log, kafkaMetrics(metrics));
    await source.start();
  }

  metrics.sources.syncPendingRows = () => sync.status().pendingRows;
  metrics.sources.eventLogBuffered = () => clickhouse?.eventLog.stats().buffered ?? 0;
  metrics.sources.kafkaConsumerStalled = () => (source?.status().stalled ? 1 : 0);

  let stopping = false;
  /** Ready: inputs connected and state recovered. Degraded (still ready): an output is behind. */
  const readiness = (): Readiness => {
    const syncStatus = sync.status();
    const eventLog = clickhouse?.eventLog.stats();
    const degraded = {
      databaseSync: syncStatus.failuresInARow === 0,
      redis: production === null || production.redis.status === "ready",
      eventLog: eventLog === undefined || eventLog.failuresInARow === 0,
    };
    if (source === null) return { ready: !stopping, checks: { accepting: !stopping }, degraded: failing(degraded) };
    const status = source.status();
    const checks = {
      accepting: !stopping,
      kafkaConsumer: status.state === "running" && !status.stalled,
      stateRecovered: status.state === "running",
    };
    return { ready: Object.values(checks).every(Boolean), checks, degraded: failing(degraded), shards: status.shards };
  };

  const app = createApp({
    engine, dlq, metrics, log, readiness,
    accountCopy: new PostgresAccountCopy(store),
    velocity: clickhouse?.velocity ?? null,
    remoteBalance: production === null ? null : async (accountId) => {
      const encoded = await production.snapshots.account(partitionForKey(accountId, config.SHARD_COUNT), accountId);
      return encoded === null ? null : balanceViewOf(decodeAccount(encoded));
    },
    acceptsHttpEvents: production === null,
    queuedMessagesMax: QUEUED_MESSAGES_MAX,
    wsSubscriptionsMax: config.WS_SUBSCRIPTIONS_MAX,
  }, hub, config.WS_BUFFER_MAX_BYTES).listen({ port: config.PORT, hostname: "0.0.0.0" });
  const server = app.server!;

  const simulator = config.SIMULATE === "1"
    ? new TrafficSimulator(engine, { accounts: config.SIMULATE_ACCOUNTS, ratePerSecond: config.SIMULATE_RATE }, log)
    : null;
  clickhouse?.eventLog.start();
  await simulator?.start();
  log.info("engine_started", { port: server.port, instanceId, kafka: production !== null, simulate: simulator !== null });

  return {
    port: server.port!,
    engine,
    log,
    async stop() {
      stopping = true;
      simulator?.stop();
      await source?.stop(); // stops consuming, then writes the last snapshots
      await sync.stop();
      await sync.flush().catch((error) => log.error("sync_flush_failed", { error: String(error), pending: sync.status().pendingRows }));
      await production?.close();
      await clickhouse?.close();
      await app.stop(true);
      await store.close();
      log.info("engine_stopped");
    },
  };
}

/** The ClickHouse event log (written off the hot path) and its velocity reader. */
function openEventLog(config: Config, metrics: Metrics, log: Logger) {
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

function failing(checks: Record<string, boolean>): string[] {
  return Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
}

function syncObserver(metrics: Metrics, log: Logger) {
  return {
    batchWritten: ({ rows }: { rows: number }) => {
      metrics.syncBatchesTotal.inc();
      metrics.syncRowsWrittenTotal.inc(rows);
    },
    batchFailed: ({ rows, error, retryInMs }: { rows: number; error: unknown; retryInMs: number }) => {
      metrics.syncFailuresTotal.inc();
      log.warn("sync_failed", { rows, error: String(error), retryInMs });
    },
    rowsFenced: (count: number) => metrics.syncRowsFencedTotal.inc(count),
  };
}

function brokersOf(config: Config): string[] {
  return config.KAFKA_BROKERS.split(",").map((b) => b.trim()).filter((b) => b !== "");
}

/** The production adapters: Redis (snapshots, pub/sub) and the Kafka DLQ producer. */
function openProduction(config: Config, instanceId: string, log: Logger, drop: (what: string) => () => void) {
  const redisOptions = { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false };
  const redis = new Redis(config.REDIS_URL, redisOptions);
  const subscriber = new Redis(config.REDIS_URL, { ...redisOptions, enableReadyCheck: false });
  redis.on("error", (error) => log.warn("redis_error", { error: String(error) }));
  subscriber.on("error", (error) => log.warn("redis_error", { error: String(error), connection: "subscriber" }));
  const snapshots = new RedisSnapshotStore(redis, config.REDIS_KEY_PREFIX);
  const bus = new RedisBalanceBus(redis, subscriber, `${config.REDIS_KEY_PREFIX}:updates`, instanceId, log, drop("balance_bus"));
  const dlqProducer = new KafkaDlqProducer(brokersOf(config), `balance-engine-dlq-${instanceId}`, config.KAFKA_TOPIC_DLQ, log, drop("dlq_produce"));
  return {
    redis, snapshots, bus, dlqProducer,
    async close() {
      bus.stop();
      await dlqProducer.stop();
      subscriber.disconnect();
      await redis.quit();
    },
  };
}

function kafkaMetrics(metrics: Metrics) {
  return {
    rebalance: () => metrics.kafkaRebalancesTotal.inc(),
    crash: () => metrics.kafkaConsumerCrashesTotal.inc(),
    snapshotWritten: (accounts: number) => {
      metrics.snapshotWritesTotal.inc();
      metrics.snapshotAccountsWrittenTotal.inc(accounts);
    },
    snapshotFailed: () => metrics.snapshotFailuresTotal.inc(),
    fenced: () => metrics.shardFencedTotal.inc(),
  };
}
