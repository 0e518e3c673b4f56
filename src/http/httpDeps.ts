/** What the HTTP and WebSocket layers need from the rest of the program. */
import type { BalanceView } from "../actors/balanceView.ts";
import type { VelocityReader } from "./routes/velocityRoutes.ts";
import type { BalanceEngine } from "../engine/balanceEngine.ts";
import type { DeadLetterRing } from "../engine/deadLetterRing.ts";
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
  /** Outputs that are behind (the instance still serves): e.g. databaseSync, redis. */
  degraded?: string[];
  /** With Kafka: the partitions (shards) this instance owns now. */
  shards?: number[];
}

/** The Postgres copy of balances (`?source=db`), when a sync is configured. */
export interface AccountCopyReader {
  read(accountId: string): Promise<Record<string, unknown> | null>;
}

export interface HttpDeps {
  readonly engine: BalanceEngine;
  readonly dlq: DeadLetterRing;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly readiness: () => Readiness;
  readonly accountCopy: AccountCopyReader | null;
  /** With several instances: an account another instance owns, from its last snapshot. */
  readonly remoteBalance: ((accountId: string) => Promise<BalanceView | null>) | null;
  /** The ClickHouse event log's velocity figures; null when no CLICKHOUSE_URL is set. */
  readonly velocity: VelocityReader | null;
  /** False in Kafka mode: the topics are the input, so POST /v1/events answers 409. */
  readonly acceptsHttpEvents: boolean;
  /** Messages waiting behind lookups above which ingestion answers 429. */
  readonly queuedMessagesMax: number;
  readonly wsSubscriptionsMax: number;
}
