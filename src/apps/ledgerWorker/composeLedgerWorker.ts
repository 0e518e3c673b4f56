/**
 * The ledger worker's composition root (`bun start --role ledger-worker`): the cold path of
 * contract section 7. It reads `financial.transactions.approved` in its own consumer group, posts
 * each batch in Postgres (the poster), and relays the outbox to Kafka (the legs to
 * `bank.transactions`, failures to the transfer journal). Workers and engines scale apart: start
 * as many workers as the approved topic has partitions to share.
 */
import { Kafka } from "kafkajs";
import { Registry, collectDefaultMetrics } from "prom-client";
import { ApprovedConsumer } from "../../adapters/kafka/approvedConsumer.ts";
import { ensureLedgerTopics } from "../../adapters/kafka/engineTopics.ts";
import { kafkaLogOptions } from "../../adapters/kafka/kafkaLog.ts";
import { KafkaLedgerDeadLetters } from "../../adapters/kafka/ledgerDeadLetters.ts";
import { KafkaLedgerOutlet } from "../../adapters/kafka/ledgerOutlet.ts";
import { SqlLedgerStore } from "../../adapters/postgres/ledgerStore.ts";
import { openPostgresClient } from "../../adapters/postgres/postgresClient.ts";
import { brokersOf, type Config } from "../../config.ts";
import { createLedgerMetrics } from "../../observability/coldPathMetrics.ts";
import type { Logger } from "../../observability/log.ts";
import { LedgerPoster } from "../../runtime/ledgerPoster.ts";
import { OutboxRelay } from "../../runtime/outboxRelay.ts";

/** The relay looks at the outbox this often when no commit nudged it (another worker's rows). */
const RELAY_IDLE_MS = 200;

export interface RunningLedgerWorker {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startLedgerWorker(config: Config, log: Logger): Promise<RunningLedgerWorker> {
  const brokers = brokersOf(config);
  const instanceId = config.INSTANCE_ID || `ledger-${process.pid}`;
  const sql = await openPostgresClient(config.DATABASE_URL, { poolSizeMax: 6, onConnectionError: (error) => log.warn("postgres_error", { error: String(error) }) });
  const store = new SqlLedgerStore(sql);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createLedgerMetrics(registry, () => store.pending());
  await ensureLedgerTopics(new Kafka({ clientId: `${instanceId}-admin`, brokers, ...kafkaLogOptions(log) }), config.KAFKA_TOPIC_APPROVED, config.KAFKA_TOPIC_LEDGER_DLQ, config.SHARD_COUNT);
  const outlet = new KafkaLedgerOutlet(brokers, `${instanceId}-outbox`,
    { transactions: config.KAFKA_TOPIC_TRANSACTIONS, journal: config.KAFKA_TOPIC_TRANSFER_JOURNAL }, config.SHARD_COUNT, log);
  const deadLetters = new KafkaLedgerDeadLetters(brokers, `${instanceId}-dlq`, config.KAFKA_TOPIC_LEDGER_DLQ, log);
  await outlet.connect();
  await deadLetters.connect();
  const relay = new OutboxRelay({ outbox: store, outlet, log, idleMs: RELAY_IDLE_MS, sent: (count) => metrics.outboxSentTotal.inc(count) });
  const poster = new LedgerPoster({
    store, deadLetters, outlet, log, now: Date.now,
    counted: (outcome, count) => metrics.postingsTotal.inc({ outcome }, count), committed: () => relay.nudge(),
  });
  const consumer = new ApprovedConsumer({
    brokers, clientId: instanceId, groupId: config.LEDGER_GROUP_ID, topic: config.KAFKA_TOPIC_APPROVED,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS, batchMax: config.LEDGER_BATCH_MAX, log,
    post: async (transfers, heartbeat) => {
      const end = metrics.batchSeconds.startTimer();
      await poster.postBatch(transfers, heartbeat);
      end();
    },
    unreadable: (key, text) => deadLetters.sendUnreadable(key, text),
    lag: (partition, lag) => metrics.consumerLag.set({ partition: String(partition) }, lag),
    afterPost: config.LEDGER_FAILPOINT === "exit_after_post" ? () => process.kill(process.pid, "SIGKILL") : undefined,
  });
  const server = Bun.serve({ port: config.LEDGER_WORKER_PORT, hostname: "0.0.0.0", fetch: (request) => answer(request, registry) });
  relay.start();
  await consumer.start();
  log.info("ledger_worker_started", { port: server.port, instanceId, groupId: config.LEDGER_GROUP_ID, topic: config.KAFKA_TOPIC_APPROVED });
  return {
    port: server.port!,
    async stop() {
      poster.stop();
      await consumer.stop();
      await relay.stop();
      await outlet.stop();
      await deadLetters.stop();
      await server.stop(true);
      await sql.close();
      log.info("ledger_worker_stopped");
    },
  };
}

async function answer(request: Request, registry: Registry): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path === "/metrics") return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
  if (path === "/health") return Response.json({ status: "ok", role: "ledger-worker" });
  return Response.json({ error: { code: "not_found", message: "the ledger worker serves /metrics and /health" } }, { status: 404 });
}
