/**
 * The composition root: builds every part from the config and wires them together. The whole
 * program's wiring reads here, in one screen. `main.ts` runs it as a process; tests run it in-process.
 */
import { alertThresholdsFor } from "./actors/highValueAlert.ts";
import type { Config } from "./config.ts";
import { BalanceEngine } from "./engine/balanceEngine.ts";
import { DeadLetterRing } from "./engine/deadLetterRing.ts";
import { createApp } from "./http/app.ts";
import { createLogger, type Logger } from "./observability/log.ts";
import { createMetrics } from "./observability/metrics.ts";
import { openEmbeddedStore } from "./persistence/embeddedStore.ts";
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
  if (alertThresholds === null) throw new Error(`ALERT_THRESHOLD ${config.ALERT_THRESHOLD} is out of range`);
  const metrics = createMetrics();
  const store = await openEmbeddedStore(config.PGLITE_DIR);
  const dlq = new DeadLetterRing(config.DLQ_MEMORY_MAX, config.DLQ_MEMORY_BYTES_MAX, () => metrics.dlqEvictedTotal.inc());
  const hub = new SubscriptionHub(config.WS_BUFFER_MAX_BYTES, config.WS_SUBSCRIPTIONS_MAX, () => metrics.wsSlowDisconnectsTotal.inc());
  const ws = new WsPublisher(hub);
  const engine = new BalanceEngine({
    shardCount: config.SHARD_COUNT,
    alertThresholds,
    facilityCacheTtlMs: config.FACILITY_CACHE_TTL_MS,
    facilityCacheEntriesMax: config.FACILITY_CACHE_ENTRIES_MAX,
    facilities: new SqlFacilityStore(store),
    outputs: {
      balanceChanged: (state) => ws.balanceChanged(state),
      alertRaised: (alert) => ws.alertRaised(alert),
      deadLettered: (letter) => dlq.push(letter),
    },
    metrics,
    log,
  });

  let stopping = false;
  const app = createApp({
    engine, dlq, metrics, log,
    readiness: () => ({ ready: !stopping, checks: { embeddedStore: true, accepting: !stopping } }),
    accountCopy: null,
    queuedMessagesMax: QUEUED_MESSAGES_MAX,
    wsSubscriptionsMax: config.WS_SUBSCRIPTIONS_MAX,
  }, hub, config.WS_BUFFER_MAX_BYTES).listen({ port: config.PORT, hostname: "0.0.0.0" });
  const server = app.server!;

  const simulator = config.SIMULATE === "1"
    ? new TrafficSimulator(engine, { accounts: config.SIMULATE_ACCOUNTS, ratePerSecond: config.SIMULATE_RATE }, log)
    : null;
  await simulator?.start();
  log.info("engine_started", { port: server.port, simulate: simulator !== null, shards: config.SHARD_COUNT });

  return {
    port: server.port!,
    engine,
    log,
    async stop() {
      stopping = true;
      simulator?.stop();
      await app.stop(true);
      await store.close();
      log.info("engine_stopped");
    },
  };
}
