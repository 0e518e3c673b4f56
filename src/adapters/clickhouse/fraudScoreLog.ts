/**
 * `fraud_scores_history`: every transfer decision's risk score and its factors, appended to
 * ClickHouse for the fraud team. Off the hot path like the event log: `record` only appends to a
 * bounded buffer (a drop past it is counted), a flusher inserts batches and retries failures with
 * backoff. At least once: a retried insert that had landed stores its rows again (count by transfer_id).
 */
import { Backoff } from "../../lib/backoff.ts";
import { BatchFlusher } from "../../lib/batchFlusher.ts";
import type { Transfer } from "../../domain/transfer/transfer.ts";
import type { Logger } from "../../observability/log.ts";
import type { RiskScoreLog } from "../../runtime/ports.ts";
import type { ClickHouseConnection } from "./connection.ts";
import { quoteIdentifier } from "./sql.ts";

const BUFFER_ROWS_MAX = 100_000;
const BATCH_ROWS_MAX = 10_000;
const FLUSH_MS = 500;

interface FraudScoreRow {
  readonly at_ms: number;
  readonly transfer_id: string;
  readonly from_account_id: string;
  readonly to_account_id: string;
  readonly amount_minor: string;
  readonly currency: string;
  readonly decision: string;
  readonly risk_score: number;
  /** The factors as JSON: [{name, value, weight}]. */
  readonly risk_factors: string;
}

export class ClickHouseFraudScoreLog implements RiskScoreLog {
  private readonly flusher: BatchFlusher<FraudScoreRow>;
  private readonly table: string;
  private created = false;

  constructor(private readonly connection: Pick<ClickHouseConnection, "command" | "insertJsonEachRow">, database: string, log: Logger, dropped: (count: number) => void) {
    this.table = `${quoteIdentifier(database)}.fraud_scores_history`;
    this.flusher = new BatchFlusher({
      itemsMax: BUFFER_ROWS_MAX, batchItemsMax: BATCH_ROWS_MAX, flushIntervalMs: FLUSH_MS, retry: new Backoff(250, 30_000),
      send: (rows) => this.insert(rows),
      onDropped: (count) => dropped(count),
      onSendFailed: (error, failure) => log.warn("fraud_scores_insert_failed", { error: String(error), rows: failure.items, retryInMs: failure.retryInMs }),
    });
  }

  start(): void {
    this.flusher.start();
  }

  async stop(): Promise<void> {
    await this.flusher.stop();
  }

  record(transfer: Transfer): void {
    this.flusher.push({
      at_ms: transfer.createdAtMs, transfer_id: transfer.transferId, from_account_id: transfer.fromAccountId, to_account_id: transfer.toAccountId,
      amount_minor: String(transfer.amountMinor), currency: transfer.currency, decision: transfer.decision, risk_score: transfer.riskScore,
      risk_factors: JSON.stringify(transfer.riskFactors),
    });
  }

  private async insert(rows: readonly FraudScoreRow[]): Promise<void> {
    if (!this.created) {
      const created = await this.connection.command(`CREATE TABLE IF NOT EXISTS ${this.table} (
        at_ms Int64, transfer_id String, from_account_id String, to_account_id String, amount_minor Int64, currency String,
        decision String, risk_score Float64, risk_factors String
      ) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(toDateTime(intDiv(at_ms, 1000))) ORDER BY (from_account_id, at_ms)`);
      if (!created.ok) throw new Error(created.failure.message);
      this.created = true;
    }
    const inserted = await this.connection.insertJsonEachRow(this.table, rows);
    if (!inserted.ok) throw new Error(inserted.failure.message);
  }
}
