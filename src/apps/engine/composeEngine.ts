/**
 * The engine's composition root: builds every part from the config and wires them together, so
 * the whole program's wiring reads here. `main.ts` runs it as a process; tests run it in-process.
 * Embedded mode (no KAFKA_BROKERS): `POST /v1/events` is the input, PGlite the store.
 * With KAFKA_BROKERS and REDIS_URL: the Kafka source, Redis snapshots and cross-instance push.
 *
 * Start-up order: the store, then a bounded check of Redis and Kafka, then the HTTP port, and
 * only then the Kafka group. A service that does not answer, or a port that is taken, ends the
 * start with a StartFailure naming it (the process prints it as one line and exits 1), before
 * this process joins the group and takes partitions from the instances that are running.
 */
import { hostname } from "node:os";
import { probeKafka } from "../../adapters/kafka/kafkaProbe.ts";
import { AccountSync } from "../../adapters/postgres/accountSync.ts";
import { PostgresAccountCopy } from "../../adapters/postgres/accountCopyReader.ts";
import { SqlAuditLog } from "../../adapters/postgres/auditLog.ts";
import { SqlLedgerTransactionReader } from "../../adapters/postgres/ledgerTransactionReader.ts";
import { SqlFacilityStore } from "../../adapters/postgres/facilityStore.ts";
import { probeRedis } from "../../adapters/redis/redisProbe.ts";
import { decodeAccount, dormantRowOf, dormantUsesFacility } from "../../adapters/redis/accountCodec.ts";
import type { AccountState } from "../../domain/account/accountState.ts";
import { alertThresholdsFor, type AlertThresholds } from "../../domain/account/highValueAlert.ts";
import { brokersOf, type Config } from "../../config.ts";
import { createApp } from "../../http/app.ts";
import { Access } from "../../http/auth/access.ts";
import { BalanceBodyCache } from "../../http/balanceBodies.ts";
import { ENGINE_VERSION } from "../../observability/buildInfo.ts";
import { createLogger, type Logger } from "../../observability/log.ts";
import { createMetrics } from "../../observability/metrics.ts";
import type { BusMessage } from "../../adapters/redis/balanceBus.ts";
import { accountRowOf } from "../../runtime/accountRow.ts";
import { DeadLetterRing } from "../../runtime/deadLetterRing.ts";
import { copyDormantAccounts, type DormantCopyDeps } from "../../runtime/dormantCopy.ts";
import { Reconciler } from "../../runtime/reconciler.ts";
import type { EngineOutputs, SourceStatus } from "../../runtime/ports.ts";
import { TrafficSimulator, type TransferClient } from "../../simulate/trafficSimulator.ts";
import { SubscriptionHub } from "../../ws/subscriptionHub.ts";
import { WsPublisher } from "../../ws/wsPublisher.ts";
import { transferSubscriptionKey } from "../../ws/wsMessages.ts";
import { WebhookSender } from "../../adapters/webhook/webhookSender.ts";
import { createWebhookMetrics } from "../../observability/coldPathMetrics.ts";
import { TransferWatchers } from "../../runtime/transferWatchers.ts";
import type { TransferView } from "../../domain/transfer/transferView.ts";
import type { Transfer } from "../../domain/transfer/transfer.ts";
import { openEmbeddedLedger, type EmbeddedLedger } from "./embeddedLedger.ts";
import { loadAuthSetup, type AuthSetup } from "./authSetup.ts";
import { createEngineCore, type EngineCore } from "./engineCore.ts";
import { openEventLogMode } from "./eventLogMode.ts";
import { openKafkaMode } from "./kafkaMode.ts";
import { accountSyncObserver } from "./metricHooks.ts";
import { openRateLimiter } from "./rateLimiting.ts";
import { readinessOf } from "./readiness.ts";
import { openStore } from "./store.ts";

/** Messages that may wait behind facility lookups before ingestion answers 429. */
const QUEUED_MESSAGES_MAX = 100_000;
/** How long a check of Redis or Kafka at start may take before the start fails. */
export const DEPENDENCY_CHECK_TIMEOUT_MS = 5000;
/** How long cleaning up after a failed start may take (a half-open client must not hang the exit). */
const FAILED_START_CLEANUP_MS = 2000;
/** The Kafka source before it started: not ready. */
const SOURCE_NOT_STARTED: SourceStatus = { state: "starting", stalled: false, shards: [] };

export interface RunningEngine {
  readonly port: number;
  readonly log: Logger;
  stop(): Promise<void>;
}

/** Why the engine did not start: something outside it, named with the variable that points at it. */
export interface StartFailure {
  readonly reason: "port_in_use" | "port_unavailable" | "service_unavailable";
  readonly service: "http" | "postgres" | "embedded_store" | "redis" | "kafka";
  readonly variable: "PORT" | "DATABASE_URL" | "PGLITE_DIR" | "REDIS_URL" | "KAFKA_BROKERS";
  readonly error: string;
}

export type StartResult = { readonly ok: true; readonly engine: RunningEngine } | { readonly ok: false; readonly failure: StartFailure };

/** `auth`: the credentials main.ts read and checked; absent (tests), read here from the config. */
export async function startEngine(config: Config, log: Logger = createLogger(config.LOG_LEVEL), auth: AuthSetup = authSetupOrThrow(config)): Promise<StartResult> {
  const alertThresholds = alertThresholdsFor(config.ALERT_THRESHOLD);
  if (alertThresholds === null) throw new Error(`invariant: ALERT_THRESHOLD ${config.ALERT_THRESHOLD} passed loadConfig out of range`);
  const instanceId = config.INSTANCE_ID || `${hostname()}-${process.pid}`;
  const opened = await openEdges(config, instanceId, log, auth);
  if (!opened.ok) return opened;
  const edges = opened.edges;
  const { core, sync, syncAccount, coldPath } = buildCore(config, edges, alertThresholds, log);
  const reconciler = new Reconciler({
    rows: () => core.runtime.rows(), accountsWithTransfers: () => core.runtime.awakeAccounts(),
    isAt: (accountId, version) => core.runtime.isAt(accountId, version), copy: new PostgresAccountCopy(edges.store),
    syncMaxDelayMs: config.SYNC_MAX_DELAY_MS, intervalMs: config.RECONCILE_INTERVAL_MS, log,
    ledger: ledgerToReconcile(config, edges), ledgerSettleMs: config.RECONCILE_LEDGER_SETTLE_MS,
  });
  edges.metrics.sources.reconciliationDriftAccounts = () => reconciler.report().driftAccounts;
  edges.metrics.sources.reconciliationLedgerDriftTransfers = () => reconciler.report().ledger?.driftTransfers ?? 0;

  const lifecycle = { stopping: false };
  const app = createApp({ ...httpDepsOf(config, edges, core, sync, lifecycle), reconciliation: reconciler, transferWatch: coldPath.watchers }, edges.hub, config.WS_BUFFER_MAX_BYTES);
  const served = listen(app, config.PORT);
  if (!served.ok) return failStart(served.failure, edges, async () => {});
  // Where other instances forward the transfers this one decides.
  await edges.kafka?.directory.announce(config.ADVERTISED_URL || `http://127.0.0.1:${served.port}`);
  const dormantCopy: DormantCopyDeps = {
    runtime: core.runtime, copy: (row) => sync.markChanged(row), backlog: () => sync.status().pendingRows, isStopping: () => lifecycle.stopping,
    isRecovering: () => edges.kafka?.source?.status().state === "recovering", log,
  };
  const started = await startKafka(edges, core, syncAccount, dormantCopy);
  if (!started.ok) return failStart(started.failure, edges, () => app.stop(true));

  const simulator = config.SIMULATE === "1"
    ? new TrafficSimulator(core.ingest, core.facilities, { accounts: config.SIMULATE_ACCOUNTS, ratePerSecond: config.SIMULATE_RATE }, log, auth.required ? null : transferClientOf(app))
    : null;
  edges.eventLog?.start();
  coldPath.ledger?.start();
  reconciler.start();
  await simulator?.start();
  if (!auth.required) log.warn("auth_disabled", { authMode: "none", message: "every route and the WebSocket are open to anyone who reaches the port; set JWT_SECRET, JWT_PUBLIC_KEY or API_KEYS_FILE" });
  log.info("engine_started", {
    port: served.port, instanceId, kafka: edges.kafka !== null, simulate: simulator !== null,
    authMode: auth.required ? "required" : "none", jwtAlgorithm: auth.jwtAlgorithm, apiKeys: auth.apiKeys?.size ?? 0,
  });

  const stop = async () => {
    lifecycle.stopping = true;
    reconciler.stop();
    simulator?.stop();
    await coldPath.ledger?.stop();
    coldPath.webhooks?.stop();
    core.stop();
    await edges.kafka?.source?.stop(); // stops consuming, then writes the last snapshots
    await sync.stop();
    await sync.flush().catch((error) => log.error("sync_flush_failed", { error: String(error), pending: sync.status().pendingRows }));
    await closeEdges(edges, () => app.stop(true));
    log.info("engine_stopped");
  };
  return { ok: true, engine: { port: served.port, log, stop } };
}

/** The ledger is in this engine's database (embedded: with its in-process worker; Kafka: unless RECONCILE_LEDGER=0). */
function ledgerToReconcile(config: Config, edges: Edges): SqlLedgerTransactionReader | undefined {
  const hasLedger = config.RECONCILE_LEDGER === "1" && (edges.kafka !== null || config.LEDGER_IN_PROCESS === "1");
  return hasLedger ? new SqlLedgerTransactionReader(edges.store) : undefined;
}

/** The account actors, the Postgres copy they feed, and the cold path (status to clients; embedded: the ledger). */
function buildCore(config: Config, edges: Edges, alertThresholds: AlertThresholds, log: Logger) {
  const coldPath = coldPathOf(config, edges);
  const { metrics, store, kafka, eventLog } = edges;
  // With Kafka, only the instance that owns an account writes its row (a zombie's rows are dropped).
  const sync = new AccountSync({
    sql: store, minIntervalMs: config.SYNC_MIN_INTERVAL_MS, maxDelayMs: config.SYNC_MAX_DELAY_MS,
    isOwner: kafka === null ? undefined : (accountId) => core.runtime.holds(accountId),
    observer: accountSyncObserver(metrics, log),
  });
  const syncAccount = (state: AccountState) => {
    const row = accountRowOf(state);
    if (row !== null) sync.markChanged(row);
  };
  const core = createEngineCore({
    shardCount: config.SHARD_COUNT, alertThresholds, facilityCacheTtlMs: config.FACILITY_CACHE_TTL_MS,
    facilityCacheEntriesMax: config.FACILITY_CACHE_ENTRIES_MAX, facilityLookupWaitMs: config.FACILITY_LOOKUP_WAIT_MS,
    facilityStore: new SqlFacilityStore(store),
    outputs: outputsOf(edges, syncAccount), metrics, log, transfer2faTimeoutMs: config.TRANSFER_2FA_TIMEOUT_MS,
    transferJournal: kafka?.transferJournal, owns: kafka?.owns, riskScores: eventLog?.riskScores ?? undefined,
    transferOutputs: { transferChanged: coldPath.transferChanged, approved: (transfer) => coldPath.approved(transfer) },
    remoteCurrencyOf: kafka === null ? undefined : async (accountId) => (await kafka.remoteBalanceOf(accountId))?.currency ?? null,
    dormantAccounts: { decode: decodeAccount, usesFacility: dormantUsesFacility, rowOf: dormantRowOf },
  });
  metrics.sources.syncPendingRows = () => sync.status().pendingRows;
  metrics.sources.mailboxQueued = () => core.runtime.queuedTotal();
  metrics.sources.eventLogBuffered = () => eventLog?.buffered() ?? 0;
  metrics.sources.kafkaConsumerStalled = () => (kafka?.source?.status().stalled ? 1 : 0);
  // Embedded: the ledger runs here, on the embedded store, and posts into this engine.
  if (kafka === null && config.LEDGER_IN_PROCESS === "1") coldPath.ledger = openEmbeddedLedger(edges.store, core, metrics, log, config.LEDGER_BATCH_MAX);
  return { core, sync, syncAccount, coldPath };
}

/**
 * Where a transfer goes after a change: WebSocket, Server-Sent Events, webhooks; an approved one
 * to the ledger (Kafka: its topic; embedded: the ledger in this process, once built).
 */
function coldPathOf(config: Config, edges: Edges) {
  const watchers = new TransferWatchers(config.SSE_CONNECTIONS_MAX);
  const deliveries = createWebhookMetrics(edges.metrics.registry);
  const webhooks = config.WEBHOOK_URL === "" ? null : new WebhookSender({
    url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET, queueMax: config.WEBHOOK_QUEUE_MAX, log: edges.log,
    counted: (outcome) => deliveries.inc({ outcome }),
  });
  const coldPath = {
    watchers, webhooks, ledger: null as EmbeddedLedger | null,
    transferChanged: (view: TransferView) => {
      edges.ws.transferChanged(view);
      watchers.changed(view);
      webhooks?.transferChanged(view);
    },
    approved: (transfer: Transfer) => {
      if (edges.kafka !== null) edges.kafka.transferJournal.approved(transfer);
      else coldPath.ledger?.feed(transfer);
    },
  };
  return coldPath;
}

/** What the routes read and call: ports only. */
function httpDepsOf(config: Config, edges: Edges, core: EngineCore, sync: AccountSync, lifecycle: { stopping: boolean }) {
  const { kafka, store, dlq, metrics, eventLog, log } = edges;
  const readiness = () => readinessOf({
    stopping: () => lifecycle.stopping,
    source: kafka === null ? null : () => kafka.source?.status() ?? SOURCE_NOT_STARTED,
    outputs: () => dependencyHealth(edges, sync, core),
  });
  const balances = kafka === null ? core.balances : {
    ...core.balances,
    remoteBalanceOf: (id: string) => kafka.remoteBalanceOf(id),
    remoteExplainedBalanceOf: (id: string) => kafka.remoteExplainedBalanceOf(id),
  };
  return {
    balances, balanceBodies: new BalanceBodyCache((accountId) => core.runtime.stateOf(accountId)),
    ingest: kafka === null ? core.ingest : null, facilities: core.facilities, dlq, metrics, log, readiness, transfers: core.transfers,
    transferOwners: kafka?.transferOwners ?? null,
    accountCopy: new PostgresAccountCopy(store), velocity: eventLog?.velocity ?? null,
    history: eventLog?.history ?? null,
    queuedMessagesMax: QUEUED_MESSAGES_MAX, wsSubscriptionsMax: config.WS_SUBSCRIPTIONS_MAX, wsConnectionsMax: config.WS_CONNECTIONS_MAX,
    access: edges.access, audit: new SqlAuditLog(store), wsAllowedOrigins: originsOf(config.WS_ALLOWED_ORIGINS),
  };
}

type Listening = { readonly ok: true; readonly port: number } | { readonly ok: false; readonly failure: StartFailure };

/** Binds the port, alone (no reusePort): a port another process holds is a failure, not a share of its traffic. */
/**
 * The simulator's transfers go through the engine's own route, in process (no socket), as a
 * client's would: decided, audited, pushed. Only with auth off: the simulator holds no credential.
 */
function transferClientOf(app: ReturnType<typeof createApp>): TransferClient {
  return async (body, idempotencyKey) => {
    const response = await app.handle(new Request("http://simulator/v1/transfers", {
      method: "POST", headers: { "content-type": "application/json", "idempotency-key": idempotencyKey }, body: JSON.stringify(body),
    }));
    await response.body?.cancel();
    return response.status;
  };
}

function listen(app: ReturnType<typeof createApp>, port: number): Listening {
  try {
    app.listen({ port, hostname: "0.0.0.0" });
  } catch (error) {
    const inUse = (error as { code?: unknown }).code === "EADDRINUSE";
    const failure: StartFailure = {
      reason: inUse ? "port_in_use" : "port_unavailable", service: "http", variable: "PORT",
      error: inUse ? `port ${port} is already in use by another process` : String(error),
    };
    return { ok: false, failure };
  }
  return { ok: true, port: app.server!.port! };
}

/** With Kafka: connects the DLQ producer and the bus, then joins the group (the port is ours by now). */
async function startKafka(edges: Edges, core: EngineCore, syncAccount: (state: AccountState) => void, dormantCopy: DormantCopyDeps): Promise<{ ok: true } | { ok: false; failure: StartFailure }> {
  const { kafka, hub } = edges;
  if (kafka === null) return { ok: true };
  try {
    // A fetched batch's pushes leave together: one write per connection, not one per message.
    await kafka.start({ ingest: core.ingest, journal: core.journalReplay, batchScope: (run) => hub.corked(run) }, core.runtime, remotePushTo(hub, core), (shardId) => {
      const recovered = core.runtime.statesOf(shardId);
      recovered.forEach(syncAccount); // the Postgres copy converges after any restart
      core.refreshUnknownLimits(recovered.values());
      core.transferRecorder.recovered(recovered.values());
      void copyDormantAccounts(dormantCopy, shardId); // the dormant ones in the background (they need neither of the above)
    });
  } catch (error) {
    return { ok: false, failure: { reason: "service_unavailable", service: "kafka", variable: "KAFKA_BROKERS", error: errorText(error) } };
  }
  return { ok: true };
}

type Edges = Extract<Awaited<ReturnType<typeof openEdges>>, { ok: true }>["edges"];

/**
 * The parts at the edge that exist before the core: metrics, the store, the DLQ, WebSocket, Kafka
 * mode, the event log. The store and, with Kafka, Redis and the brokers must answer now.
 */
async function openEdges(config: Config, instanceId: string, log: Logger, auth: AuthSetup) {
  const metrics = createMetrics({ kafka: config.KAFKA_BROKERS !== "", version: ENGINE_VERSION });
  const store = await openStore(config, log).then((opened) => ({ ok: true as const, opened }), (error: unknown) => ({ ok: false as const, error }));
  if (!store.ok) {
    const failure: StartFailure = config.DATABASE_URL === ""
      ? { reason: "service_unavailable", service: "embedded_store", variable: "PGLITE_DIR", error: errorText(store.error) }
      : { reason: "service_unavailable", service: "postgres", variable: "DATABASE_URL", error: errorText(store.error) };
    return { ok: false as const, failure };
  }
  const unavailable = config.KAFKA_BROKERS === "" ? null : await kafkaDependencyFailure(config);
  if (unavailable !== null) {
    await store.opened.close();
    return { ok: false as const, failure: unavailable };
  }
  const dlq = new DeadLetterRing(config.DLQ_MEMORY_MAX, config.DLQ_MEMORY_BYTES_MAX, () => metrics.dlqEvictedTotal.inc());
  const hub = new SubscriptionHub({
    bufferBytesMax: config.WS_BUFFER_MAX_BYTES, buffersTotalBytesMax: config.WS_BUFFERS_TOTAL_BYTES_MAX,
    accountsMax: config.WS_SUBSCRIPTIONS_MAX, subscriptionsTotalMax: config.WS_SUBSCRIPTIONS_TOTAL_MAX,
  }, () => metrics.wsSlowDisconnectsTotal.inc());
  metrics.sources.wsBufferedBytes = () => hub.bufferedBytes;
  metrics.sources.wsSubscriptions = () => hub.subscriptionCount;
  const kafka = config.KAFKA_BROKERS === "" ? null : openKafkaMode(config, instanceId, log, metrics);
  const eventLog = openEventLogMode(config, metrics, log, store.opened);
  const ws = new WsPublisher(hub, kafka?.bus ?? null);
  const rateLimiter = openRateLimiter(config, metrics, log);
  const access = new Access({
    ...auth, limiter: rateLimiter.limiter, metrics,
    callerPerSecond: config.RATE_LIMIT_PER_SECOND, transferSourcePerSecond: config.RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND,
  });
  return { ok: true as const, edges: { metrics, store: store.opened, dlq, hub, kafka, eventLog, ws, log, access, rateLimiter } };
}

/** Redis, then the brokers: the first that does not answer within DEPENDENCY_CHECK_TIMEOUT_MS, or null. */
async function kafkaDependencyFailure(config: Config): Promise<StartFailure | null> {
  const redis = await probeRedis(config.REDIS_URL, DEPENDENCY_CHECK_TIMEOUT_MS);
  if (!redis.ok) return { reason: "service_unavailable", service: "redis", variable: "REDIS_URL", error: redis.error };
  const kafka = await probeKafka(brokersOf(config), DEPENDENCY_CHECK_TIMEOUT_MS);
  if (!kafka.ok) return { reason: "service_unavailable", service: "kafka", variable: "KAFKA_BROKERS", error: kafka.error };
  return null;
}

/** Where the core's effects go: snapshots (Kafka), the Postgres copy, WebSocket, the DLQ, the event log. */
function outputsOf(edges: Edges, syncAccount: (state: AccountState) => void): EngineOutputs {
  const { kafka, ws, dlq } = edges;
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
    messageProcessed: messageProcessedOf(edges),
    facilityLimitApplied: edges.eventLog === null ? undefined : (event) => edges.eventLog?.writer.record(event),
    holdChanged: edges.eventLog === null ? undefined : (event) => edges.eventLog?.writer.record(event),
  };
}

/**
 * Every message and its outcome: to the event log, and a log line each at debug.
 * Undefined when neither wants it, so ingest does not build the event per message for nobody.
 */
function messageProcessedOf(edges: Edges): EngineOutputs["messageProcessed"] {
  const { eventLog, log } = edges;
  const debug = log.level === "debug";
  if (eventLog === null && !debug) return undefined;
  return (event) => {
    eventLog?.writer.record(event);
    if (debug) {
      log.debug("message_processed", {
        messageId: event.messageId, accountId: event.accountId, outcome: event.outcome, reason: event.reason, source: event.source,
      });
    }
  };
}

/** A push from another instance is for an account we do not hold; ours were pushed locally. */
function remotePushTo(hub: SubscriptionHub, core: EngineCore): (message: BusMessage) => void {
  return (message) => {
    if (core.runtime.holds(message.accountId)) return;
    if (message.kind === "balance") hub.publishBalance(message.accountId, message.data);
    else if (message.kind === "alert") hub.publishAlert(message.accountId, message.data);
    else {
      hub.publishBalance(message.accountId, message.data);
      if (message.transferId !== undefined) hub.publishBalance(transferSubscriptionKey(message.transferId), message.data, false);
    }
  };
}

/** The outputs and lookups that degrade the engine (still ready) while they fail. */
function dependencyHealth(edges: Edges, sync: AccountSync, core: EngineCore): Record<string, boolean> {
  return {
    databaseSync: sync.status().failuresInARow === 0,
    redis: edges.kafka === null || edges.kafka.redis.status === "ready",
    dlqProducer: edges.kafka === null || edges.kafka.dlqProducer.failuresInARow === 0,
    eventLog: edges.eventLog === null || edges.eventLog.failuresInARow() === 0,
    facilities: !core.facilityLookup.isFailing,
  };
}

async function closeEdges(edges: Edges, stopHttp: () => Promise<unknown>): Promise<void> {
  edges.rateLimiter.close();
  await edges.kafka?.close();
  await edges.eventLog?.close();
  await stopHttp();
  await edges.store.close();
}

/** Closes what was opened, within FAILED_START_CLEANUP_MS, and says why the start failed. */
async function failStart(failure: StartFailure, edges: Edges, stopHttp: () => Promise<unknown>): Promise<StartResult> {
  await Promise.race([closeEdges(edges, stopHttp).catch(() => {}), Bun.sleep(FAILED_START_CLEANUP_MS)]);
  return { ok: false, failure };
}

function authSetupOrThrow(config: Config): AuthSetup {
  const loaded = loadAuthSetup(config);
  if (!loaded.ok) throw new Error(`invalid auth configuration: ${loaded.errors.join("; ")}`);
  return loaded.setup;
}

function originsOf(list: string): string[] {
  return list.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
