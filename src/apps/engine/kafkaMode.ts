/**
 * The production adapters that come with KAFKA_BROKERS: Redis (snapshots, cross-instance push),
 * the Kafka DLQ producer, and the Kafka source itself, started once the core exists.
 */
import Redis from "ioredis";
import type { BatchScope } from "../../adapters/kafka/batchApplier.ts";
import { KafkaDlqProducer } from "../../adapters/kafka/dlqProducer.ts";
import { KafkaSource } from "../../adapters/kafka/kafkaSource.ts";
import { ensureEngineTopics } from "../../adapters/kafka/engineTopics.ts";
import { KafkaTransferJournal } from "../../adapters/kafka/transferJournalProducer.ts";
import { Kafka } from "kafkajs";
import { kafkaLogOptions } from "../../adapters/kafka/kafkaLog.ts";
import { CorruptAccountError } from "../../adapters/redis/accountCodec.ts";
import { RedisBalanceBus, type BusMessage } from "../../adapters/redis/balanceBus.ts";
import { NativeScriptRunner } from "../../adapters/redis/nativeScriptRunner.ts";
import { RedisSnapshotStore } from "../../adapters/redis/snapshotStore.ts";
import { InstanceDirectory } from "../../adapters/redis/instanceDirectory.ts";
import type { AccountState } from "../../domain/account/accountState.ts";
import { explainedBalanceOf, type ExplainedBalance } from "../../domain/account/balanceExplanation.ts";
import { balanceViewOf, type BalanceView } from "../../domain/account/balanceView.ts";
import { brokersOf, type Config } from "../../config.ts";
import type { Logger } from "../../observability/log.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { partitionForKey } from "../../runtime/partitionForKey.ts";
import type { MessageIngest, ShardHost, TransferJournalReplay } from "../../runtime/ports.ts";
import { kafkaSourceMetrics } from "./metricHooks.ts";

const REDIS_OPTIONS = { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false };

export type KafkaMode = ReturnType<typeof openKafkaMode>;

export function openKafkaMode(config: Config, instanceId: string, log: Logger, metrics: Metrics) {
  const brokers = brokersOf(config);
  const redis = new Redis(config.REDIS_URL, REDIS_OPTIONS);
  const subscriber = new Redis(config.REDIS_URL, { ...REDIS_OPTIONS, enableReadyCheck: false });
  redis.on("error", (error) => log.warn("redis_error", { error: String(error) }));
  subscriber.on("error", (error) => log.warn("redis_error", { error: String(error), connection: "subscriber" }));
  const dropped = (what: string) => (count: number) => metrics.dropsTotal.inc({ what }, count);
  const snapshotWriter = new NativeScriptRunner(config.REDIS_URL);
  const snapshots = new RedisSnapshotStore(redis, config.REDIS_KEY_PREFIX, snapshotWriter);
  const bus = new RedisBalanceBus({
    publisher: redis, subscriber, channel: `${config.REDIS_KEY_PREFIX}:updates`, instanceId, secret: config.REDIS_BUS_SECRET, log,
    dropped: dropped("balance_bus"), rejected: (reason) => metrics.balanceBusRejectedTotal.inc({ reason }),
  });
  const dlqProducer = new KafkaDlqProducer(brokers, `balance-engine-dlq-${instanceId}`, config.KAFKA_TOPIC_DLQ, log, dropped("dlq_produce"),
    () => metrics.dlqProduceFailuresTotal.inc());
  const transferJournal = new KafkaTransferJournal(brokers, `balance-engine-journal-${instanceId}`,
    { journal: config.KAFKA_TOPIC_TRANSFER_JOURNAL, approved: config.KAFKA_TOPIC_APPROVED },
    (accountId) => partitionForKey(accountId, config.SHARD_COUNT), log, () => metrics.dropsTotal.inc({ what: "transfer_approved_send" }));
  const directory = new InstanceDirectory(redis, config.REDIS_KEY_PREFIX, instanceId);
  let source: KafkaSource | null = null;
  const remoteStateOf = (accountId: string) => remoteStateFrom(snapshots, config.SHARD_COUNT, log, accountId);
  return {
    redis, bus, dlqProducer, transferJournal, directory,
    transferOwners: { ownerUrlOf: (accountId: string) => directory.ownerUrlOf(partitionForKey(accountId, config.SHARD_COUNT)) },
    /** True when this instance decides for the account now (see KafkaSource.owns). */
    owns: (accountId: string) => source?.owns(partitionForKey(accountId, config.SHARD_COUNT)) ?? false,
    get source() {
      return source;
    },
    /** An account another instance owns (or one whose partition is moving), from its last snapshot. */
    async remoteBalanceOf(accountId: string): Promise<BalanceView | null> {
      const state = await remoteStateOf(accountId);
      return state === null ? null : balanceViewOf(state);
    },
    async remoteExplainedBalanceOf(accountId: string): Promise<ExplainedBalance | null> {
      const state = await remoteStateOf(accountId);
      return state === null ? null : explainedBalanceOf(state);
    },
    /** Connects the DLQ producer, the journal and the bus, then joins the group. */
    async start(
      inputs: { ingest: MessageIngest; journal: TransferJournalReplay; batchScope?: BatchScope }, host: ShardHost,
      remote: (message: BusMessage) => void, onShardRecovered: (shardId: number) => void,
    ) {
      const { ingest, journal, batchScope } = inputs;
      const admin = new Kafka({ clientId: `balance-engine-admin-${instanceId}`, brokers, ...kafkaLogOptions(log) });
      await ensureEngineTopics(admin, config.KAFKA_TOPIC_TRANSFER_JOURNAL, config.KAFKA_TOPIC_APPROVED, config.SHARD_COUNT);
      await dlqProducer.connect();
      await transferJournal.connect();
      await bus.listen(remote);
      source = new KafkaSource({
        brokers, groupId: config.KAFKA_GROUP_ID, instanceId,
        topics: { eod: config.KAFKA_TOPIC_EOD, transactions: config.KAFKA_TOPIC_TRANSACTIONS, dlq: config.KAFKA_TOPIC_DLQ, journal: config.KAFKA_TOPIC_TRANSFER_JOURNAL },
        snapshotIntervalMs: config.SNAPSHOT_INTERVAL_MS, sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS, stallMs: config.KAFKA_STALL_MS,
        onShardRecovered,
      }, { ingest, journal, host, snapshots, log, metrics: kafkaSourceMetrics(metrics), batchScope });
      await source.start();
    },
    async close() {
      await directory.stop();
      await bus.stop();
      await dlqProducer.stop();
      await transferJournal.stop();
      subscriber.disconnect();
      snapshotWriter.close();
      await redis.quit();
    },
  };
}

/** An account another instance owns, from its last snapshot; null when none has it (or it is corrupt: logged). */
async function remoteStateFrom(snapshots: RedisSnapshotStore, shardCount: number, log: Logger, accountId: string): Promise<AccountState | null> {
  try {
    return await snapshots.findAccount(accountId, partitionForKey(accountId, shardCount), shardCount);
  } catch (error) {
    if (!(error instanceof CorruptAccountError)) throw error; // Redis down: the caller says unavailable
    log.error("snapshot_account_corrupt", { accountId, error: error.message });
    return null;
  }
}
