/**
 * `audit.events` through any SqlQuery: Postgres, or the embedded store in embedded mode. Rows are
 * written by group commit: while one INSERT is out, the rows recorded meanwhile wait and go
 * together in the next (up to BATCH_ROWS_MAX), so concurrent transfer decisions share one
 * statement; each `record` resolves once its own row is stored. Bounded: past WAITING_ROWS_MAX a
 * record fails at once (the caller counts it in audit_failures_total).
 */
import type { AuditEvent, AuditLog, AuditPage, AuditPageQuery, AuditRow } from "../../runtime/ports.ts";
import type { SqlQuery } from "./sqlClient.ts";

interface Row {
  event_id: string | number;
  at: Date | string;
  actor: string;
  action: string;
  target: string;
  status: number;
  detail: Record<string, unknown> | string;
}

const BATCH_ROWS_MAX = 1000;
const WAITING_ROWS_MAX = 100_000;

interface Waiting {
  readonly event: AuditEvent;
  resolve(): void;
  reject(error: unknown): void;
}

export class SqlAuditLog implements AuditLog {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly sql: SqlQuery) {}

  record(event: AuditEvent): Promise<void> {
    if (this.waiting.length >= WAITING_ROWS_MAX) return Promise.reject(new Error(`${WAITING_ROWS_MAX} audit rows are waiting already`));
    const stored = new Promise<void>((resolve, reject) => this.waiting.push({ event, resolve, reject }));
    if (!this.writing) void this.writeWaiting();
    return stored;
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, BATCH_ROWS_MAX);
      try {
        await this.insert(batch.map((waiting) => waiting.event));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.writing = false;
  }

  private async insert(events: readonly AuditEvent[]): Promise<void> {
    await this.sql.query(
      `INSERT INTO audit.events (at, actor, action, target, status, detail)
       SELECT at, actor, action, target, status, detail::jsonb FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
         AS v(at, actor, action, target, status, detail)`,
      [events.map((e) => new Date(e.atMs).toISOString()), events.map((e) => e.actor), events.map((e) => e.action),
        events.map((e) => e.target), events.map((e) => e.status), events.map((e) => JSON.stringify(e.detail))],
    );
  }

  /** Newest first by event_id (the primary key: the page walks its index); one row more tells whether a next page exists. */
  async page(query: AuditPageQuery): Promise<AuditPage> {
    const { rows } = await this.sql.query<Row>(
      `SELECT event_id, at, actor, action, target, status, detail FROM audit.events
        WHERE ($1::bigint IS NULL OR event_id < $1) AND ($2::text IS NULL OR action = $2)
          AND ($3::text IS NULL OR target = $3) AND ($4::text IS NULL OR actor = $4)
        ORDER BY event_id DESC LIMIT $5`,
      [query.before ?? null, query.action ?? null, query.target ?? null, query.actor ?? null, query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(auditRowOf);
    return { items, nextBefore: rows.length > query.limit ? items[items.length - 1]!.eventId : null };
  }
}

function auditRowOf(row: Row): AuditRow {
  return {
    eventId: Number(row.event_id), atMs: new Date(row.at).getTime(), actor: row.actor, action: row.action, target: row.target,
    status: row.status, detail: typeof row.detail === "string" ? JSON.parse(row.detail) as Record<string, unknown> : row.detail,
  };
}
