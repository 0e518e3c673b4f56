/** `audit.events` through any SqlQuery: Postgres, or the embedded store in embedded mode. */
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

export class SqlAuditLog implements AuditLog {
  constructor(private readonly sql: SqlQuery) {}

  async record(event: AuditEvent): Promise<void> {
    await this.sql.query(
      "INSERT INTO audit.events (at, actor, action, target, status, detail) VALUES ($1, $2, $3, $4, $5, $6)",
      [new Date(event.atMs).toISOString(), event.actor, event.action, event.target, event.status, JSON.stringify(event.detail)],
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
