/** What the HTTP and WebSocket layers need from the rest of the program: ports only. */
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";
import type {
  AccountCopyReader, AuditLog, BalanceReader, DeadLetterReader, EventHistory, FacilityAdmin, MessageIngest, ReconciliationReader, TransferDesk, TransferOwners, TransferWatch, VelocityReader,
} from "../runtime/ports.ts";
import type { Access } from "./auth/access.ts";
import type { BalanceBodies } from "./balanceBodies.ts";

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
  /** Outputs that are behind (the instance still serves): e.g. databaseSync, redis. */
  degraded?: string[];
  /** With Kafka: the partitions (shards) this instance owns now. */
  shards?: number[];
}

export interface HttpDeps {
  readonly balances: BalanceReader;
  /** The hot read's encoded bodies of the accounts `balances` holds; without it, each read encodes its view. */
  readonly balanceBodies?: BalanceBodies;
  /** The embedded input; null in Kafka mode (the topics are the input: POST /v1/events answers 409). */
  readonly ingest: MessageIngest | null;
  readonly facilities: FacilityAdmin;
  readonly dlq: DeadLetterReader;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly readiness: () => Readiness;
  readonly accountCopy: AccountCopyReader | null;
  /** The ClickHouse event log's velocity figures; null when no CLICKHOUSE_URL is set. */
  readonly velocity: VelocityReader | null;
  /** The event log's history (ClickHouse, or the embedded store); null when the engine keeps none. */
  readonly history: EventHistory | null;
  /** The engine against datalake.account, from its last pass. */
  readonly reconciliation: ReconciliationReader;
  /** Messages waiting behind lookups above which ingestion answers 429. */
  readonly queuedMessagesMax: number;
  readonly wsSubscriptionsMax: number;
  readonly wsConnectionsMax: number;
  /** Who may call what: every route but /health, /ready and /openapi asks it first. */
  readonly access: Access;
  /** Admin actions, with the caller's name. */
  readonly audit: AuditLog;
  /** WS_ALLOWED_ORIGINS: the Origins a WebSocket upgrade may come from; empty: any. */
  readonly wsAllowedOrigins: readonly string[];
  readonly transfers: TransferDesk;
  /** With Kafka: where to forward a transfer whose source this instance does not decide for. */
  readonly transferOwners: TransferOwners | null;
  /** Server-Sent Events of a transfer's changes, in this process. */
  readonly transferWatch: TransferWatch;
}
