/**
 * The ports, in one place: what the runtime needs from adapters (stores, outputs, snapshots) and
 * what it offers to the edges (ingest, reads, admin). Adapters, routes and the WebSocket layer
 * depend on these interfaces, never on each other's classes; the composition root wires them.
 */
import type { AccountState } from "../domain/account/accountState.ts";
import type { ExplainedBalance } from "../domain/account/balanceExplanation.ts";
import type { BalancePoint } from "../domain/account/balancePoint.ts";
import type { BalanceView } from "../domain/account/balanceView.ts";
import type { HighValueAlert } from "../domain/account/highValueAlert.ts";
import type { BankMessage, TransactionEventType } from "../domain/account/messages.ts";
import type { DeadLetterReason, Outcome } from "../domain/reasons.ts";
import type { DeadLetter, ListedDeadLetter, SourceRef } from "./deadLetter.ts";
import type { Inbound, MessageResult } from "./inbound.ts";
import type { Transfer } from "../domain/transfer/transfer.ts";
import type { TransferBody } from "../domain/transfer/transferRequest.ts";
import type { TransferView } from "../domain/transfer/transferView.ts";
import type { Principal } from "../domain/auth/principal.ts";
import type { TransferJournalRecord } from "./transferJournalRecord.ts";
import type { ApprovedTransfer, LedgerFailure } from "../domain/ledger/postingPlan.ts";
import type { TransferFigures } from "../domain/ledger/ledgerDrift.ts";

// ---- Offered by the runtime -------------------------------------------------------------------

/** Messages in: Kafka, `POST /v1/events`, the simulator. */
export interface MessageIngest {
  /** Validates and applies one message. Synchronous unless its actor waits on a lookup. */
  ingest(inbound: Inbound): MessageResult | Promise<MessageResult>;
  /** In order; one result per message, in input order. */
  ingestAll(inbounds: readonly Inbound[]): MessageResult[] | Promise<MessageResult[]>;
  /** Messages waiting in mailboxes behind async work (the sources' backpressure signal). */
  queuedTotal(): number;
}

/** Balances read from the engine's memory, or from another instance's last snapshot. */
export interface BalanceReader {
  balanceOf(accountId: string): BalanceView | null;
  /** An account this instance does not hold; null when no instance has snapshotted it. */
  remoteBalanceOf?(accountId: string): Promise<BalanceView | null>;
  /** The body with why it is what it is (`?explain=true`); null while the account has no EOD. */
  explainedBalanceOf(accountId: string): ExplainedBalance | null;
  remoteExplainedBalanceOf?(accountId: string): Promise<ExplainedBalance | null>;
}

/** `PUT /v1/admin/facilities/:id`: stores a limit and applies it to its accounts at once. */
export interface FacilityAdmin {
  setFacilityLimit(facility: Facility): Promise<number>;
}

/** What a source that owns partitions needs from the actors of each shard. */
export interface ShardHost {
  /** The shard's accounts in use (dormant ones are in `dormantOf`). */
  statesOf(shardId: number): ReadonlyMap<string, AccountState>;
  /** The shard's dormant accounts: account id → their snapshot text (dormantAccounts.ts). */
  dormantOf(shardId: number): ReadonlyMap<string, string>;
  /** Replaces a shard's accounts with recovered ones (on partition assignment), decoded or dormant. */
  load(shardId: number, states: Iterable<AccountState>, dormant: Map<string, string>): void;
  /** Forgets a shard whose partition went to another instance. */
  drop(shardId: number): void;
  /** Messages waiting in the shard's mailboxes. */
  queuedIn(shardId: number): number;
}

/** A transfer request as the edge hands it over: who asks, with which key, for what. */
export interface TransferCommand {
  readonly caller: Principal;
  readonly idempotencyKey: string;
  readonly body: TransferBody;
}

/** Why a transfer request got no decision; the edge turns each into its status. */
export type TransferRefusalCode =
  | "invalid_body" | "account_not_found" | "currency_mismatch" | "insufficient_funds" | "idempotency_key_reused"
  | "idempotency_key_in_flight" | "too_many_transfers" | "rate_limited" | "journal_unavailable" | "not_owner";

export type TransferAnswer =
  | { readonly kind: "decided"; readonly transfer: TransferView; readonly replayed: boolean }
  | { readonly kind: "refused"; readonly code: TransferRefusalCode; readonly field?: string; readonly message: string };

export type TransferStatusAnswer =
  | { readonly kind: "changed"; readonly transfer: TransferView }
  | { readonly kind: "refused"; readonly code: "transfer_not_found" | "transfer_not_pending" | "journal_unavailable" | "not_owner"; readonly message: string };

/** The transfer API (contract section 7): each decision is taken in the source account's actor. */
export interface TransferDesk {
  authorize(command: TransferCommand): Promise<TransferAnswer>;
  transferOf(transferId: string, caller: Principal): TransferView | null;
  changeStatus(transferId: string, action: "confirm" | "cancel", caller: Principal): Promise<TransferStatusAnswer>;
}

// ---- Needed by the runtime --------------------------------------------------------------------

/** A facility row: the limit in minor units of its currency. */
export interface Facility {
  readonly facilityId: string;
  readonly limitMinor: number;
  readonly currency: string;
}

/** The facility table (`datasource.facility`). */
export interface FacilityStore {
  get(facilityId: string): Promise<Facility | null>;
  upsert(facility: Facility): Promise<void>;
}

/** Where the engine's effects go: WebSocket push, DLQ, sync, event log. Called on the hot path: never block. */
export interface EngineOutputs {
  /** An account changed (applied message or facility change); `shardId` is where it lives. */
  balanceChanged(state: AccountState, shardId: number): void;
  alertRaised(alert: HighValueAlert): void;
  deadLettered(letter: DeadLetter): void;
  /** Every message and its outcome (the event log); optional. */
  messageProcessed?(event: ProcessedMessage): void;
  /** An account took a facility's new limit outside a message (the event log keeps its figures); optional. */
  facilityLimitApplied?(event: FacilityLimitApplied): void;
  /** A transfer placed or released a hold (the event log keeps the account's figures); optional. */
  holdChanged?(event: HoldChanged): void;
}

/**
 * Where a transfer's facts must be durable before the engine answers: Kafka (acks=all) with
 * KAFKA_BROKERS; in embedded mode, memory (nothing of the engine survives its restart there).
 */
export interface TransferJournal {
  /** Resolves once the record is durable; rejects when it could not be made so. */
  append(record: TransferJournalRecord): Promise<void>;
}

/** Which instance decides for an account now, for a transfer that reached another one (Kafka mode). */
export interface TransferOwners {
  /** The owner's HTTP base URL; null when unknown (a partition moving) or when it is this instance. */
  ownerUrlOf(accountId: string): Promise<string | null>;
}

/** The transfer journal read back: each record into its source account's actor. */
export interface TransferJournalReplay {
  replay(text: string, shardId: number): void | Promise<void>;
}

/** Each fresh transfer decision's score and factors (ClickHouse `fraud_scores_history`); `record` never blocks. */
export interface RiskScoreLog {
  record(transfer: Transfer): void;
}

/** Where transfers go after a change: WebSocket pushes, and the approved ones to the ledger's topic. */
export interface TransferOutputs {
  transferChanged(view: TransferView): void;
  approved(transfer: Transfer): void;
}

/** One message and what happened to it, for the append-only event log. */
export interface ProcessedMessage {
  readonly atMs: number;
  readonly source: SourceRef;
  readonly outcome: Outcome;
  readonly reason?: DeadLetterReason;
  /** Absent when the message was too broken to say. */
  readonly message?: BankMessage;
  readonly messageId?: string;
  readonly accountId?: string;
  /** The account's figures right after the message, when it was applied (`?asOf=` reads them back). */
  readonly balance?: BalancePoint;
}

/** A facility change gave an account a new limit: its figures after, for the event log. */
export interface FacilityLimitApplied {
  readonly kind: "facility_limit";
  readonly atMs: number;
  readonly facilityId: string;
  readonly balance: BalancePoint;
}

/** A hold placed or released by a transfer, with the account's figures after it. */
export interface HoldChanged {
  readonly kind: "hold";
  readonly atMs: number;
  readonly transferId: string;
  readonly balance: BalancePoint;
}

/** What the event log stores: processed messages, and the figures of changes outside a message. */
export type LoggedEvent = ProcessedMessage | FacilityLimitApplied | HoldChanged;

export function isHoldChanged(event: LoggedEvent): event is HoldChanged {
  return (event as HoldChanged).kind === "hold";
}

export function isFacilityLimitApplied(event: LoggedEvent): event is FacilityLimitApplied {
  return (event as FacilityLimitApplied).kind === "facility_limit";
}

/** Writes the event log off the hot path: `record` never blocks. */
export interface EventLogWriter {
  record(event: LoggedEvent): void;
}

/** An account's row in `datalake.account` (the Postgres copy), amounts in minor units. */
export interface AccountRow {
  readonly accountId: string;
  readonly balanceMinor: number;
  /** null while the facility is unknown. */
  readonly availableMinor: number | null;
  readonly currency: string;
  readonly eodDate: string;
  readonly version: number;
  /** The state's origin (AccountState.originMs): rows are ordered by (originMs, version). */
  readonly originMs: number;
  readonly updatedAtMs: number;
}

/** Errors are values: the row (null when the account has none), or a table that cannot be read now. */
export type AccountCopyLookup =
  | { readonly ok: true; readonly row: AccountRow | null }
  | { readonly ok: false; readonly reason: "unavailable"; readonly error: string };

/** The Postgres copy of balances (`?source=db`). */
export interface AccountCopyReader {
  read(accountId: string): Promise<AccountCopyLookup>;
}

/** Many rows of the copy at once (reconciliation): the rows found, in no order. */
export interface AccountCopyBatchReader {
  readMany(accountIds: readonly string[]): Promise<{ readonly ok: true; readonly rows: AccountRow[] } | { readonly ok: false; readonly error: string }>;
}

/** An account whose copy disagrees with the engine past the sync delay: both figures. */
export interface ReconciliationDrift {
  readonly engine: AccountRow;
  /** null: the copy has no row for it. */
  readonly copy: AccountRow | null;
}

export interface ReconciliationReport {
  /** When the last full pass ended; null before the first. */
  readonly checkedAtMs: number | null;
  readonly accountsChecked: number;
  readonly driftAccounts: number;
  /** At most RECONCILIATION_DRIFTS_LISTED_MAX of them. */
  readonly drifts: readonly ReconciliationDrift[];
  /** The copy could not be read in the last attempt (the report is of the pass before). */
  readonly copyUnavailable: boolean;
  /** The engine's transfers against the ledger; null when this engine has no ledger to read. */
  readonly ledger: LedgerReconciliation | null;
}

/** A transfer the engine and ledger.transactions disagree on, past the settle delay: both figures. */
export interface LedgerTransferDrift {
  readonly transferId: string;
  readonly engine: TransferFigures;
  /** null: the ledger has no transaction for it. */
  readonly ledger: TransferFigures | null;
}

export interface LedgerReconciliation {
  readonly transfersChecked: number;
  readonly driftTransfers: number;
  /** At most 1000 of them. */
  readonly drifts: readonly LedgerTransferDrift[];
  /** The ledger could not be read in the last attempt (the figures are of the pass before). */
  readonly unavailable: boolean;
}

/** ledger.transactions by transfer id, for reconciliation. */
export interface LedgerTransactionReader {
  readMany(transferIds: readonly string[]): Promise<{ readonly ok: true; readonly transactions: ReadonlyMap<string, TransferFigures> } | { readonly ok: false; readonly error: string }>;
}

export interface ReconciliationReader {
  report(): ReconciliationReport;
}

export interface DeadLetterPageQuery {
  /** Only letters whose sequence is below this (a page's cursor); absent: from the newest. */
  readonly before?: number;
  readonly reason?: DeadLetterReason;
  readonly limit: number;
  /** The payloads a page shows, in UTF-8 bytes, at most (the first letter always fits). */
  readonly payloadBytesMax: number;
  /** One letter's payload is cut to this many UTF-8 bytes. */
  readonly letterPayloadBytesMax: number;
}

export interface DeadLetterPage {
  readonly items: ListedDeadLetter[];
  /** The cursor of the next page (older letters that match); null when there are none. */
  readonly nextCursor: string | null;
}

/** The in-memory DLQ, for `GET /v1/dlq`. */
export interface DeadLetterReader {
  page(query: DeadLetterPageQuery): DeadLetterPage;
}

export const VELOCITY_WINDOW_NAMES = ["1h", "24h", "7d"] as const;
export type VelocityWindowName = (typeof VELOCITY_WINDOW_NAMES)[number];

/** Count and net sum (CREATED adds, REMOVED subtracts) of applied transactions in one window. */
export interface VelocityWindowFigures {
  readonly count: number;
  readonly sumMinor: number;
}

export interface VelocityFigures {
  readonly accountId: string;
  readonly currency: string;
  /** The end of every window: (asOf − length, asOf] of engine processing time. */
  readonly asOfMs: number;
  readonly windows: Readonly<Record<VelocityWindowName, VelocityWindowFigures>>;
}

/** Errors are values: an account with no applied events, or an event log that cannot answer now. */
export type VelocityLookup =
  | { readonly ok: true; readonly velocity: VelocityFigures }
  | { readonly ok: false; readonly reason: "not_found" | "unavailable" };

/** Velocity figures from the event log (ClickHouse). */
export interface VelocityReader {
  velocity(accountId: string): Promise<VelocityLookup>;
}

/** Shard snapshots (Redis): accounts and the offsets they include, written together and fenced. */
export interface SnapshotStore {
  /** A new epoch, greater than every one handed out before. */
  nextEpoch(): Promise<number>;
  /** Claims a shard for `generation`; refused when an equal or newer one holds it. */
  claim(shardId: number, generation: number, instance: string): Promise<ShardClaim>;
  /** "fenced" when a newer claim holds the shard; "lost" when the store lost it altogether. */
  /** An account given as a string is one already encoded (a dormant account, written as it was read). */
  write(shardId: number, generation: number, instance: string, accounts: ReadonlyMap<string, AccountState | string>, offsets: Record<string, string>): Promise<"written" | "fenced" | "lost">;
  load(shardId: number): Promise<ShardSnapshot>;
  /** One account another instance owns, wherever the producer's partitioner put it. */
  findAccount(accountId: string, homeShardId: number, shardCount: number): Promise<AccountState | null>;
}

export interface ShardClaim {
  readonly granted: boolean;
  /** Who held the shard before this claim (generation -1: nobody). */
  readonly previousGeneration: number;
  readonly previousInstance: string;
}

export interface ShardSnapshot {
  /** The accounts decoded at load: those that may not stay dormant, and any of an older codec. */
  readonly accounts: AccountState[];
  /** The accounts left encoded: account id → its text (dormantAccounts.ts). */
  readonly dormant: Map<string, string>;
  /** topic → the next offset to read (everything before it is inside `accounts`). */
  readonly offsets: Record<string, string>;
}

/** An input that owns partitions (Kafka): started and stopped by the composition root. */
export interface EventSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Marks an account for the next snapshot of its shard (called on every applied change). */
  markChanged(shardId: number, accountId: string): void;
  status(): SourceStatus;
}

export type SourceState = "starting" | "recovering" | "running" | "crashed" | "stopped";

export interface SourceStatus {
  readonly state: SourceState;
  readonly stalled: boolean;
  readonly shards: number[];
}

// ---- Needed by the edges: rate limits and the audit log ---------------------------------------

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Counts hits per key in fixed one-second windows: the caller (`caller:<name>`) on every request,
 * and later the source account of a transfer (`transfer-source:<id>`) with its own limit. Backed
 * by Redis when REDIS_URL is set, so that every instance counts against one budget.
 */
export interface RateLimiter {
  hit(key: string, limitPerSecond: number): RateDecision | Promise<RateDecision>;
}

/** One admin action (later: transfer decisions, confirmations, cancellations), with who did it. */
export interface AuditEvent {
  readonly atMs: number;
  /** The caller's name (Principal.name): `key:<name>`, `jwt:<sub>` or `anonymous`. */
  readonly actor: string;
  /** What was done: `facility.set`, `dlq.read`. */
  readonly action: string;
  /** What it was done to: a facility id, `dlq`. */
  readonly target: string;
  /** The HTTP status the action answered with. */
  readonly status: number;
  /** What changed, small and without secrets (the new limit, the page asked for). */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** `audit.events` in Postgres (the embedded store in embedded mode). */
export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  /** Rows newest first, `limit` of them at most, older than `before` (an eventId) when given. */
  page(query: AuditPageQuery): Promise<AuditPage>;
}

export interface AuditPageQuery {
  readonly before?: number;
  readonly limit: number;
  /** Only rows of this action (`transfer.confirm`), of this target (a transfer id), of this actor. */
  readonly action?: string;
  readonly target?: string;
  readonly actor?: string;
}

/** A row as kept, with its id (the table's order of insertion). */
export interface AuditRow extends AuditEvent {
  readonly eventId: number;
}

export interface AuditPage {
  readonly items: readonly AuditRow[];
  /** The eventId to pass as `before` for the next, older page; null on the last. */
  readonly nextBefore: number | null;
}

// ---- History: read back from the event log ----------------------------------------------------

/** An applied transaction as the event log has it (amount as sent: REMOVED subtracts it). */
export interface HistoryItem {
  readonly messageId: string;
  readonly transactionId: string;
  readonly eventType: TransactionEventType;
  readonly amountMinor: number;
  readonly currency: string;
  readonly bookingDate: string;
  /** The message's timestamp, as an instant in RFC 3339 (UTC). */
  readonly timestamp: string;
  readonly appliedAtMs: number;
  /** The log's order after appliedAtMs (one process's record order); the page key with messageId. */
  readonly sequence: number;
}

/** Where a page ends: the key of its last item, in the log's order (appliedAt, sequence, messageId). */
export interface HistoryKey {
  readonly appliedAtMs: number;
  readonly sequence: number;
  readonly messageId: string;
}

export interface TransactionPageQuery {
  readonly accountId: string;
  /** Applied in [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
  /** Only items before this key (newest first); absent: from the newest. */
  readonly before?: HistoryKey;
}

export interface TransactionPage {
  readonly items: HistoryItem[];
  /** The key to continue after; null when no older item matches. */
  readonly next: HistoryKey | null;
}

/** An applied EOD as the log has it. */
export interface LoggedEod {
  readonly messageId: string;
  readonly balanceMinor: number;
  readonly asOfDate: string;
}

/** What a statement of `date` is computed from, all from the log's applied messages. */
export interface StatementParts {
  readonly currency: string;
  /** The latest EOD (its last fix) of a day before `date`; the opening starts from it. */
  readonly baseEod: LoggedEod;
  /** Net of the transactions booked after baseEod's day and before `date`. */
  readonly betweenMinor: number;
  /** The transactions booked on `date`, oldest applied first. */
  readonly items: HistoryItem[];
  /** The core system's EOD of `date` (its last fix), once applied. */
  readonly coreEod: LoggedEod | null;
}

export type HistoryLookup<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: "unavailable" };

/** Reads the event log (ClickHouse, or the embedded store). */
export interface EventHistory {
  transactions(query: TransactionPageQuery): Promise<HistoryLookup<TransactionPage>>;
  /** The figures of the latest applied change at or before the instant; null when there is none. */
  balanceAsOf(accountId: string, asOfMs: number): Promise<HistoryLookup<BalancePoint | null>>;
  /** null: the log has no EOD of the account before `date` (no opening to start from). */
  statementParts(accountId: string, date: string, itemsMax: number): Promise<HistoryLookup<StatementParts | null | "too_many_items">>;
}

// ---- The batch path: the EOD report reads the log and the Postgres copy, never engine memory ---

/** An account of the Postgres copy, as the report lists them (in account id order). */
export interface CopiedAccount {
  readonly accountId: string;
  readonly currency: string;
}

export interface AccountLister {
  /** Accounts after `afterAccountId` ("" from the first), at most `limit`, in account id order. */
  page(afterAccountId: string, limit: number): Promise<CopiedAccount[]>;
  count(): Promise<number>;
}

/** What one account's close of a day is computed from (see domain/account/dayClose.ts). */
export interface DayCloseParts {
  readonly accountId: string;
  /** The latest EOD (its last fix) of a day before the report's day; null: the log has none. */
  readonly baseEod: LoggedEod | null;
  /** Net of the applied transactions per booking day, for the days up to and including the report's day. */
  readonly dayTotals: ReadonlyMap<string, number>;
  /** The core system's EOD of the day (its last fix); null until it arrived. */
  readonly coreEod: LoggedEod | null;
}

export interface HighValueItem extends HistoryItem {
  readonly accountId: string;
}

/** The event log, read for many accounts at once. */
export interface DayCloseReader {
  /** One entry per account asked for, in the same order. */
  closesOf(accountIds: readonly string[], date: string): Promise<HistoryLookup<DayCloseParts[]>>;
  /** Applied TRANSACTION_CREATED booked on `date` with |amount| ≥ amountMinorMin (the caller filters per currency). */
  highValueOf(accountIds: readonly string[], date: string, amountMinorMin: number): Promise<HistoryLookup<HighValueItem[]>>;
}

// ---- The ledger worker (contract section 7, "After the decision") ----------------------------

/** The ledger's database: approved transfers posted as double-entry transactions. */
export interface LedgerStore {
  /**
   * One database transaction for the batch, each transfer in it atomic: posted (its entries, the
   * accounts, its legs in the outbox), failed for good (a re-check refused it: its failure in the
   * outbox), or skipped because the ledger has it already. Throws when the database fails: then
   * nothing of the batch was written and it may be retried whole.
   */
  post(transfers: readonly ApprovedTransfer[], atMs: number): Promise<LedgerBatchOutcome>;
}

export interface LedgerBatchOutcome {
  readonly posted: number;
  readonly duplicates: number;
  readonly failed: readonly { readonly transfer: ApprovedTransfer; readonly reason: LedgerFailure }[];
}

/**
 * What the relay sends, written in the posting's own transaction: a leg for `bank.transactions`
 * (payload: the message; key: its account), or a failure for the engine (payload: a journal
 * status record; key: the source account).
 */
export interface OutboxItem {
  readonly kind: "leg" | "failed";
  readonly key: string;
  readonly payload: string;
}

export interface Outbox {
  /** Hands up to `limit` waiting items, oldest first, to `send`; once it resolves they are gone. Returns how many. */
  drain(limit: number, send: (items: readonly OutboxItem[]) => Promise<void>): Promise<number>;
  /** Items waiting (the `outbox_pending` gauge). */
  pending(): Promise<number>;
}

/** Where outbox items go: Kafka (`bank.transactions`, the transfer journal) or, embedded, the engine in process. */
export interface LedgerOutlet {
  send(items: readonly OutboxItem[]): Promise<void>;
}

/** A transfer the ledger gave up on, with the reason (`financial.transactions.dlq`). */
export interface LedgerDeadLetters {
  send(transfer: ApprovedTransfer, reason: string): Promise<void>;
}

/** Server-Sent Events: listen to one transfer's changes in this process. */
export interface TransferWatch {
  /** The stop function, or null when the bound of watchers is reached. */
  watch(transferId: string, listener: (view: TransferView) => void): (() => void) | null;
}
