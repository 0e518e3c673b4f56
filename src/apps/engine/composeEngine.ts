/**
 * The engine's composition root: builds every part from the config and wires them together, so
 * the whole program's wiring reads here. `main.ts` runs it as a process; tests run it in-process.
 * Embedded mode (no KAFKA_BROKERS): `POST /v1/events` is the input, PGlite the store.
 * With KAFKA_BROKERS and REDIS_URL: the Kafka source, Redis snapshots and cross-instance push.
 */
import { hostname } from "node:os";
import { AccountSync } from "../../adapters/postgres/accountSync.ts";
import { PostgresAccountCopy } from "../../adapters/postgres/accountCopyReader.ts";
import { SqlFacilityStore } from "../../adapters/postgres/facilityStore.ts";
import type { AccountState } from "../../domain/account/accountState.ts";
import { alertThresholdsFor } from "../../domain/account/highValueAlert.ts";
import type { Config } from "../../config.ts";
import { createApp } from "../../http/app.ts";
import { createLogger, type Logger } from "../../observability/log.ts";
import { ENGINE_VERSION } from "../../observability/buildInfo.ts";
import { createMetrics } from "../../observability/metrics.ts";
import { accountRowOf } from "../../runtime/accountRow.ts";
import { DeadLetterRing } from "../../runtime/deadLetterRing.ts";
import type { EngineOutputs } from "../../runtime/ports.ts";
import { TrafficSimulator } from "../../simulate/trafficSimulator.ts";
import { SubscriptionHub } from "../../ws/subscriptionHub.ts";
import { WsPublisher } from "../../ws/wsPublisher.ts";
import { createEngineCore, type EngineCore } from "./engineCore.ts";
import { openEventLogMode } from "./eventLogMode.ts";
import { openKafkaMode } from "./kafkaMode.ts";
import { accountSyncObserver } from "./metricHooks.ts";
import { readinessOf } from "./readiness.ts";
import { openStore } from "./store.ts";

/** Messages that may wait behind facility lookups before ingestion answers 429. */
const QUEUED_MESSAGES_MAX = 100_000;

export interface RunningEngine {
  readonly port: number;
  readonly log: Logger;
  stop(): Promise<void>;
}

export async function startEngine(config: Config, log: Logger = createLogger(config.LOG_LEVEL)): Promise<RunningEngine> {
  const alertThresholds = alertThresholdsFor(config.ALERT_THRESHOLD);
  if (alertThresholds === null) throw new Error(`invariant: ALERT_THRESHOLD ${config.ALERT_THRESHOLD} passed loadConfig out of range`);
  const instanceId = config.INSTANCE_ID || `${hostname()}-${process.pid}`;
  const edges = await openEdges(config, instanceId, log);
  const { metrics, store, dlq, hub, kafka, clickhouse } = edges;
  // With Kafka, only the instance that owns an account writes its row (a zombie's rows are dropped).
  const sync = new AccountSync({
    sql: store, minIntervalMs: config.SYNC_MIN_INTERVAL_MS, maxDelayMs: config.SYNC_MAX_DELAY_MS,
    isOwner: kafka === null ? undefined : (accountId) => core.runtime.stateOf(accountId) !== undefined,
    observer: accountSyncObserver(metrics, log),
  });
  const syncAccount = (state: AccountState) => {
    const row = accountRowOf(state);
    if (row !== null) sync.markChanged(row);
  };
  const core = createEngineCore({
    shardCount: config.SHARD_COUNT, alertThresholds, facilityCacheTtlMs: config.FACILITY_CACHE_TTL_MS,
    facilityCacheEntriesMax: config.FACILITY_CACHE_ENTRIES_MAX, facilityStore: new SqlFacilityStore(store),
    outputs: outputsOf(edges, syncAccount), metrics, log,
  });

  // A push from another instance is for an account we do not hold; ours were pushed locally.
  await kafka?.start(core.ingest, core.runtime, (message) => {
    if (core.runtime.stateOf(message.accountId) !== undefined) return;
    if (message.kind === "balance") hub.publishBalance(message.accountId, message.data);
    else hub.publishAlert(message.accountId, message.data);
  }, (shardId) => core.runtime.statesOf(shardId).forEach(syncAccount)); // the Postgres copy converges after any restart

  metrics.sources.syncPendingRows = () => sync.status().pendingRows;
  metrics.sources.mailboxQueued = () => core.runtime.queuedTotal();
  metrics.sources.eventLogBuffered = () => clickhouse?.eventLog.stats().buffered ?? 0;
  metrics.sources.kafkaConsumerStalled = () => (kafka?.source?.status().stalled ? 1 : 0);

  let stopping = false;
  const readiness = () => readinessOf({
    stopping: () => stopping,
    source: kafka === null ? null : () => kafka.source!.status(),
    outputs: () => dependencyHealth(edges, sync, core),
  });
  const balances = kafka === null ? core.balances : { ...core.balances, remoteBalanceOf: (id: string) => kafka.remoteBalanceOf(id) };
  const app = createApp({
    balances, ingest: kafka === null ? core.ingest : null, facilities: core.facilities, dlq, metrics, log, readiness,
    accountCopy: new PostgresAccountCopy(store), velocity: clickhouse?.velocity ?? null,
    queuedMessagesMax: QUEUED_MESSAGES_MAX, wsSubscriptionsMax: config.WS_SUBSCRIPTIONS_MAX, wsConnectionsMax: config.WS_CONNECTIONS_MAX,
  }, hub, config.WS_BUFFER_MAX_BYTES).listen({ port: config.PORT, hostname: "0.0.0.0" });
  const port = app.server!.port!;

  const simulator = config.SIMULATE === "1"
    ? new TrafficSimulator(core.ingest, core.facilities, { accounts: config.SIMULATE_ACCOUNTS, ratePerSecond: config.SIMULATE_RATE }, log)
    : null;
  clickhouse?.eventLog.start();
  await simulator?.start();
  log.info("engine_started", { port, instanceId, kafka: kafka !== null, simulate: simulator !== null });

  const stop = async () => {
    stopping = true;
    simulator?.stop();
    core.facilityLookup.stop();
    await kafka?.source?.stop(); // stops consuming, then writes the last snapshots
    await sync.stop();
    await sync.flush().catch((error) => log.error("sync_flush_failed", { error: String(error), pending: sync.status().pendingRows }));
    await closeEdges(edges, () => app.stop(true));
    log.info("engine_stopped");
  };
  return { port, log, stop };
}

/** The parts at the edge that exist before the core: metrics, the store, the DLQ, WebSocket, Kafka mode, ClickHouse. */
async function openEdges(config: Config, instanceId: string, log: Logger) {
  const metrics = createMetrics({ kafka: config.KAFKA_BROKERS !== "", version: ENGINE_VERSION });
  const store = await openStore(config, log);
  const dlq = new DeadLetterRing(config.DLQ_MEMORY_MAX, config.DLQ_MEMORY_BYTES_MAX, () => metrics.dlqEvictedTotal.inc());
  const hub = new SubscriptionHub(config.WS_BUFFER_MAX_BYTES, config.WS_SUBSCRIPTIONS_MAX, () => metrics.wsSlowDisconnectsTotal.inc());
  const kafka = config.KAFKA_BROKERS === "" ? null : openKafkaMode(config, instanceId, log, metrics);
  const clickhouse = config.CLICKHOUSE_URL === "" ? null : openEventLogMode(config, metrics, log);
  const ws = new WsPublisher(hub, kafka?.bus ?? null);
  return { metrics, store, dlq, hub, kafka, clickhouse, ws };
}

type Edges = Awaited<ReturnType<typeof openEdges>>;

/** Where the core's effects go: snapshots (Kafka), the Postgres copy, WebSocket, the DLQ, the event log. */
function outputsOf(edges: Edges, syncAccount: (state: AccountState) => void): EngineOutputs {
  const { kafka, clickhouse, ws, dlq } = edges;
  return {
    balanceChanged: (state, shardId) => {
      kafka?.source?.markChanged(shardId, state.accountId);
      syncAccount(state);
      ws.balanceChanged(state);
    },
    alertRaised: (alert) => ws.alertRaised(alert),
    deadLettered: (letter) => {
      dlq.push(letter);
      kafka?.dlqProducer.send(letter);
    },
    messageProcessed: clickhouse === null ? undefined : (event) => clickhouse.eventLog.record(event),
  };
}

/** The outputs and lookups that degrade the engine (still ready) while they fail. */
function dependencyHealth(edges: Edges, sync: AccountSync, core: EngineCore): Record<string, boolean> {
  return {
    databaseSync: sync.status().failuresInARow === 0,
    redis: edges.kafka === null || edges.kafka.redis.status === "ready",
    dlqProducer: edges.kafka === null || edges.kafka.dlqProducer.failuresInARow === 0,
    eventLog: edges.clickhouse === null || edges.clickhouse.eventLog.stats().failuresInARow === 0,
    facilities: !core.facilityLookup.isFailing,
  };
}

async function closeEdges(edges: Edges, stopHttp: () => Promise<unknown>): Promise<void> {
  await edges.kafka?.close();
  await edges.clickhouse?.close();
  await stopHttp();
  await edges.store.close();
}
