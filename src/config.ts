/**
 * Configuration: read from the environment once at start, validated, then passed down typed.
 * Nothing else reads process.env.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { alertThresholdsFor } from "./domain/account/highValueAlert.ts";
import { problemOf } from "./lib/schemaProblem.ts";
import { LOG_LEVELS } from "./observability/log.ts";

const Int = (defaultValue: number, minimum: number, maximum: number, description: string) =>
  Type.Integer({ default: defaultValue, minimum, maximum, description });

export const ConfigSchema = Type.Object({
  PORT: Int(3000, 0, 65535, "HTTP and WebSocket port (0 picks a free one)"),
  SHARD_COUNT: Int(12, 1, 1024, "Actor shards; with Kafka, the partition count of the topics"),
  ALERT_THRESHOLD: Type.String({ default: "10000.00", pattern: "^(0|[1-9][0-9]*)(\\.[0-9]+)?$", description: "High-value alert threshold, major units" }),
  DLQ_MEMORY_MAX: Int(10_000, 1, 1_000_000, "Dead letters kept in memory for GET /v1/dlq"),
  DLQ_MEMORY_BYTES_MAX: Int(67_108_864, 1024, 4_294_967_296, "Payload size those dead letters may hold (characters, about bytes)"),
  FACILITY_CACHE_TTL_MS: Int(60_000, 0, 86_400_000, "How long a facility limit read from the table is reused"),
  FACILITY_CACHE_ENTRIES_MAX: Int(100_000, 1, 10_000_000, "Facilities kept in the cache"),
  FACILITY_LOOKUP_WAIT_MS: Int(5000, 0, 600_000, "How long an EOD waits for an unreachable facility table before it is applied with the limit unknown"),
  WS_BUFFER_MAX_BYTES: Int(1_048_576, 1024, 67_108_864, "Unsent bytes a WebSocket client may fall behind before it is cut off"),
  WS_SUBSCRIPTIONS_MAX: Int(1000, 1, 100_000, "Accounts one WebSocket connection may subscribe to"),
  WS_SUBSCRIPTIONS_TOTAL_MAX: Int(1_000_000, 1, 100_000_000, "Subscriptions of all WebSocket connections together"),
  WS_BUFFERS_TOTAL_BYTES_MAX: Int(67_108_864, 65_536, 17_179_869_184, "Unsent bytes all WebSocket clients together may hold; past it a client that is behind is cut off"),
  WS_CONNECTIONS_MAX: Int(20_000, 1, 1_000_000, "WebSocket connections held at once; past it an upgrade is refused with 503"),
  TRANSFER_2FA_TIMEOUT_MS: Int(300_000, 1000, 86_400_000, "A PENDING_2FA transfer not confirmed within this ends EXPIRED and its hold is released"),
  PGLITE_DIR: Type.String({ default: "", description: "Directory for the embedded store; empty keeps it in memory" }),
  SIMULATE: Type.Union([Type.Literal("0"), Type.Literal("1")], { default: "0", description: "1 starts the built-in traffic feed (same as --simulate)" }),
  SIMULATE_ACCOUNTS: Int(5000, 1, 1_000_000, "Accounts in the simulated feed"),
  SIMULATE_RATE: Int(200, 1, 100_000, "Simulated transactions per second"),
  LOG_LEVEL: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: "info" }),
  LOOP_STALL_REPORT_MS: Int(0, 0, 3_600_000, "Diagnostic: every this many ms, log (info, loop_stalls) how late the event loop ran a 1 ms timer and, on Linux, whether the main thread spent its stalls running or waiting for a core; 0: off"),
  SHUTDOWN_TIMEOUT_MS: Int(10_000, 100, 600_000, "Longest a graceful shutdown may take"),
  DATABASE_URL: Type.String({ default: "", description: "Postgres for datasource.facility and datalake.account; empty: the embedded store" }),
  SYNC_MAX_DELAY_MS: Int(60_000, 1, 86_400_000, "A changed account reaches datalake.account within this"),
  SYNC_MIN_INTERVAL_MS: Int(60_000, 1, 86_400_000, "No account is written to datalake.account more often"),
  RECONCILE_LEDGER: Type.Union([Type.Literal("0"), Type.Literal("1")], { default: "1", description: "1 compares the engine's transfers with ledger.transactions in this engine's database at each reconciliation (0 when the ledger is elsewhere)" }),
  RECONCILE_LEDGER_SETTLE_MS: Int(30_000, 0, 86_400_000, "A transfer unchanged for this long is compared with the ledger (younger ones may be on their way)"),
  RECONCILE_INTERVAL_MS: Int(60_000, 100, 86_400_000, "How often the engine compares its accounts with datalake.account (past the sync delay)"),
  CLICKHOUSE_URL: Type.String({ default: "", description: "ClickHouse for the event log and velocity; empty: no event log" }),
  CLICKHOUSE_DATABASE: Type.String({ default: "default", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }),
  EVENT_LOG_BUFFER_MAX: Int(100_000, 1, 10_000_000, "Events waiting for the event log (ClickHouse, or the embedded store); past it the newest are dropped and counted"),
  EVENT_LOG_FLUSH_MS: Int(500, 10, 600_000, "How often buffered events are inserted into the event log"),
  EVENT_LOG_STORE_ROWS_MAX: Int(1_000_000, 1000, 1_000_000_000, "Without ClickHouse: rows the embedded store's event log keeps (the oldest go)"),
  ADVERTISED_URL: Type.String({ default: "", description: "This instance's HTTP base URL for the others (transfers forwarded to the owner of their source); empty: http://127.0.0.1:PORT" }),
  INSTANCE_ID: Type.String({ default: "", maxLength: 64, description: "This process's name in the group; empty: host-pid" }),
  KAFKA_BROKERS: Type.String({ default: "", description: "Comma-separated brokers; empty: the in-process bus (embedded)" }),
  KAFKA_GROUP_ID: Type.String({ default: "balance-engine", minLength: 1 }),
  KAFKA_TOPIC_EOD: Type.String({ default: "bank.balances.eod", minLength: 1 }),
  KAFKA_TOPIC_TRANSACTIONS: Type.String({ default: "bank.transactions", minLength: 1 }),
  KAFKA_TOPIC_DLQ: Type.String({ default: "bank.dlq", minLength: 1 }),
  KAFKA_TOPIC_TRANSFER_JOURNAL: Type.String({ default: "balance.transfers.journal", minLength: 1, description: "The engine's own journal of transfer decisions (created with SHARD_COUNT partitions if missing)" }),
  KAFKA_TOPIC_APPROVED: Type.String({ default: "financial.transactions.approved", minLength: 1, description: "Approved transfers, for the ledger worker (created if missing)" }),
  KAFKA_SESSION_TIMEOUT_MS: Int(2000, 1000, 300_000, "Consumer group session timeout: how soon a dead instance's partitions move (the broker's group.min.session.timeout.ms must allow it)"),
  KAFKA_STALL_MS: Int(30_000, 1000, 3_600_000, "No fetch or heartbeat for this long: the consumer counts as stalled"),
  REDIS_URL: Type.String({ default: "", description: "Redis for snapshots and cross-instance push; required with Kafka" }),
  REDIS_KEY_PREFIX: Type.String({ default: "balance", minLength: 1 }),
  REDIS_BUS_SECRET: Type.String({ default: "", description: "Shared secret (32+ characters) that signs the balance bus between instances; required with Kafka" }),
  SNAPSHOT_INTERVAL_MS: Int(1000, 50, 600_000, "How often changed accounts and offsets are snapshotted to Redis"),
  AUTH_MODE: Type.Union([Type.Literal(""), Type.Literal("none"), Type.Literal("required")], { default: "", description: "none or required; empty: required when a credential is configured, none otherwise (refused with Kafka)" }),
  JWT_SECRET: Type.String({ default: "", description: "HS256 secret (32+ characters) that signs the callers' JWTs" }),
  JWT_PUBLIC_KEY: Type.String({ default: "", description: "RS256 or ES256 public key (PEM text, or a path to a PEM file) that verifies the callers' JWTs" }),
  JWT_ISSUER: Type.String({ default: "", description: "The iss every JWT must carry; empty: not checked" }),
  JWT_AUDIENCE: Type.String({ default: "", description: "The aud every JWT must carry; empty: not checked" }),
  JWT_CLOCK_TOLERANCE_SECONDS: Int(60, 0, 60, "Clock skew allowed on exp, nbf and iat"),
  API_KEYS_FILE: Type.String({ default: "", description: "JSON lines of API keys (name, sha256, scopes, accounts); `bun run apikey` mints one" }),
  WS_ALLOWED_ORIGINS: Type.String({ default: "", description: "Comma-separated Origins a WebSocket upgrade may come from; empty: any" }),
  RATE_LIMIT_PER_SECOND: Int(1000, 1, 10_000_000, "Requests one caller may make per second (over all instances when REDIS_URL is set)"),
  RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: Int(10, 1, 1_000_000, "Transfers per second from one source account (POST /v1/transfers)"),
  KAFKA_TOPIC_LEDGER_DLQ: Type.String({ default: "financial.transactions.dlq", minLength: 1, description: "Transfers the ledger worker gave up on, with the reason (created if missing)" }),
  LEDGER_GROUP_ID: Type.String({ default: "ledger-worker", minLength: 1, description: "The ledger workers' consumer group on the approved topic" }),
  LEDGER_WORKER_PORT: Int(3100, 0, 65535, "The ledger worker's /metrics and /health port"),
  LEDGER_BATCH_MAX: Int(500, 1, 10_000, "Approved transfers posted in one database transaction at most (each stays atomic)"),
  LEDGER_IN_PROCESS: Type.Union([Type.Literal("0"), Type.Literal("1")], { default: "1", description: "Embedded mode: 1 runs the ledger worker in this process (approved transfers reach POSTED); 0 leaves them APPROVED (the hot path alone)" }),
  LEDGER_FAILPOINT: Type.Union([Type.Literal(""), Type.Literal("exit_after_post")], { default: "", description: "Testing only: exit_after_post kills the worker (SIGKILL) after its first commit, before the offsets" }),
  WEBHOOK_URL: Type.String({ default: "", description: "Where transfer status changes are POSTed, signed (empty: no webhooks)" }),
  WEBHOOK_SECRET: Type.String({ default: "", description: "HMAC-SHA256 key of the Webhook-Signature header (32+ characters); required with WEBHOOK_URL" }),
  WEBHOOK_QUEUE_MAX: Int(10_000, 1, 1_000_000, "Webhook deliveries waiting (retries included); past it the newest are dropped and counted"),
  SSE_CONNECTIONS_MAX: Int(10_000, 1, 1_000_000, "Server-Sent Events streams (GET /v1/transfers/:id/events) open at once; past it 503"),
});

export type Config = Static<typeof ConfigSchema>;

/** KAFKA_BROKERS as a list (empty: embedded mode). */
export function brokersOf(config: Config): string[] {
  return config.KAFKA_BROKERS.split(",").map((b) => b.trim()).filter((b) => b !== "");
}

const BUS_SECRET_LENGTH_MIN = 32;
/** HS256 with a shorter secret can be brute-forced offline from one token. */
const JWT_SECRET_LENGTH_MIN = 32;

export type AuthMode = "none" | "required";

/** Setting any credential means required; nothing set means none (loadConfig refuses that with Kafka). */
export function authModeOf(config: Config): AuthMode {
  if (config.AUTH_MODE !== "") return config.AUTH_MODE;
  return credentialsConfigured(config) ? "required" : "none";
}

function credentialsConfigured(config: Config): boolean {
  return config.JWT_SECRET !== "" || config.JWT_PUBLIC_KEY !== "" || config.API_KEYS_FILE !== "";
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

const WEBHOOK_SECRET_LENGTH_MIN = 32;

/**
 * Reads the known variables from `env` (unknown ones are ignored); `argv` may carry --simulate.
 * The engine's rules by default; the ledger worker's (Postgres and Kafka required) for its role.
 */
export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = [], role: "engine" | "ledger-worker" | "ledger-check" = "engine"): ConfigResult {
  const raw: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const value = env[key];
    if (value === undefined || value === "") continue;
    // Only whole digit strings become integers: "3.5" or "8080abc" must fail, not be truncated.
    raw[key] = schema.type === "integer" && /^-?[0-9]{1,15}$/.test(value) ? Number(value) : value;
  }
  if (argv.includes("--simulate")) raw.SIMULATE = "1";
  const withDefaults = Value.Default(ConfigSchema, raw) as Config;
  // Said as the HTTP errors say it: an enum lists its values, a number its bounds.
  const errors = [...Value.Errors(ConfigSchema, withDefaults)].map((e) => `${e.path.slice(1)}: ${problemOf(e.message, e.schema as Record<string, unknown>)}`);
  const schemaValid = errors.length === 0;
  errors.push(...(role === "engine" ? engineErrors(withDefaults, schemaValid) : ledgerWorkerErrors(withDefaults, role)));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: withDefaults };
}

/** The ledger worker needs the real services: it posts in Postgres and reads and writes Kafka; `ledger check` only reads Postgres. */
function ledgerWorkerErrors(config: Config, role: "ledger-worker" | "ledger-check"): string[] {
  const errors: string[] = [];
  if (config.DATABASE_URL === "") errors.push("DATABASE_URL: required for the ledger worker (the ledger is in Postgres)");
  if (config.KAFKA_BROKERS === "" && role === "ledger-worker") errors.push("KAFKA_BROKERS: required for the ledger worker (embedded mode runs the ledger inside `bun start`)");
  return errors;
}

function engineErrors(withDefaults: Config, schemaValid: boolean): string[] {
  const errors: string[] = [];
  if (withDefaults.KAFKA_BROKERS !== "" && withDefaults.REDIS_URL === "") {
    errors.push("REDIS_URL: required with KAFKA_BROKERS (the snapshots in Redis hold the consumer's progress)");
  }
  if (withDefaults.KAFKA_BROKERS !== "" && withDefaults.REDIS_BUS_SECRET.length < BUS_SECRET_LENGTH_MIN) {
    errors.push(`REDIS_BUS_SECRET: required with KAFKA_BROKERS, at least ${BUS_SECRET_LENGTH_MIN} characters (it signs the pushes between instances, so a Redis client cannot forge one)`);
  }
  errors.push(...authErrors(withDefaults));
  if (schemaValid && errors.length === 0 && alertThresholdsFor(withDefaults.ALERT_THRESHOLD) === null) {
    errors.push("ALERT_THRESHOLD: out of range (it must fit in every currency's minor units)");
  }
  if (withDefaults.SYNC_MIN_INTERVAL_MS > withDefaults.SYNC_MAX_DELAY_MS) {
    errors.push("SYNC_MIN_INTERVAL_MS: must not exceed SYNC_MAX_DELAY_MS (both rules could not hold)");
  }
  if (withDefaults.WEBHOOK_URL !== "" && withDefaults.WEBHOOK_SECRET.length < WEBHOOK_SECRET_LENGTH_MIN) {
    errors.push(`WEBHOOK_SECRET: required with WEBHOOK_URL, at least ${WEBHOOK_SECRET_LENGTH_MIN} characters (receivers verify each delivery with it)`);
  }
  if (withDefaults.WEBHOOK_URL !== "" && !/^https?:\/\/[^\s]+$/.test(withDefaults.WEBHOOK_URL)) errors.push("WEBHOOK_URL: an http:// or https:// URL");
  return errors;
}

/** The rules of AUTH_MODE (contract section 8); reading the keys themselves is http/auth/openAccess.ts. */
function authErrors(config: Config): string[] {
  const errors: string[] = [];
  const credentials = credentialsConfigured(config);
  if (config.AUTH_MODE === "" && !credentials && config.KAFKA_BROKERS !== "") {
    errors.push("AUTH_MODE: with KAFKA_BROKERS the engine does not start open; configure JWT_SECRET, JWT_PUBLIC_KEY or API_KEYS_FILE, or set AUTH_MODE=none explicitly");
  }
  if (config.AUTH_MODE === "required" && !credentials) errors.push("AUTH_MODE: required, but none of JWT_SECRET, JWT_PUBLIC_KEY, API_KEYS_FILE is set");
  if (config.AUTH_MODE === "none" && credentials) errors.push("AUTH_MODE: none contradicts JWT_SECRET, JWT_PUBLIC_KEY or API_KEYS_FILE (setting one means required)");
  if (config.JWT_SECRET !== "" && config.JWT_PUBLIC_KEY !== "") {
    errors.push("JWT_SECRET: set either JWT_SECRET or JWT_PUBLIC_KEY, not both (the key pins the one algorithm accepted)");
  }
  if (config.JWT_SECRET !== "" && config.JWT_SECRET.length < JWT_SECRET_LENGTH_MIN) {
    errors.push(`JWT_SECRET: at least ${JWT_SECRET_LENGTH_MIN} characters`);
  }
  return errors;
}
