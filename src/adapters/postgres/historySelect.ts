/** One query of the embedded store's event log: its rows, or unavailable (logged) when the store fails. */
import type { Logger } from "../../observability/log.ts";
import type { HistoryLookup } from "../../runtime/ports.ts";
import type { SqlQuery } from "./sqlClient.ts";

export async function selectHistoryRows<Row>(sql: SqlQuery, log: Logger | undefined, text: string, params: unknown[]): Promise<HistoryLookup<Row[]>> {
  try {
    return { ok: true, value: (await sql.query<Row>(text, params)).rows };
  } catch (error) {
    log?.warn("history_query_failed", { error: String(error) });
    return { ok: false, reason: "unavailable" };
  }
}
