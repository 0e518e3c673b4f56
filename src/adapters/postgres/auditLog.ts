/** `audit.events` through any SqlQuery: Postgres, or the embedded store in embedded mode. */
import type { AuditEvent, AuditLog } from "../../runtime/ports.ts";
import type { SqlQuery } from "./sqlClient.ts";

export class SqlAuditLog implements AuditLog {
  constructor(private readonly sql: SqlQuery) {}

  async record(event: AuditEvent): Promise<void> {
    await this.sql.query(
      "INSERT INTO audit.events (at, actor, action, target, status, detail) VALUES ($1, $2, $3, $4, $5, $6)",
      [new Date(event.atMs).toISOString(), event.actor, event.action, event.target, event.status, JSON.stringify(event.detail)],
    );
  }
}
