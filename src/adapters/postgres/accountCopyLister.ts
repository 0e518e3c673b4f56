/** The accounts of the Postgres copy (`datalake.account`) in account id order, a keyset page at a time: the EOD report's list. */
import type { AccountLister, CopiedAccount } from "../../runtime/ports.ts";
import type { SqlQuery } from "./sqlClient.ts";

export class AccountCopyLister implements AccountLister {
  constructor(private readonly sql: SqlQuery) {}

  async page(afterAccountId: string, limit: number): Promise<CopiedAccount[]> {
    // COLLATE "C": byte order, the same as the event log's and JavaScript's string order.
    const { rows } = await this.sql.query<{ account_id: string; currency: string }>(
      `SELECT account_id, trim(currency) AS currency FROM datalake.account
       WHERE account_id COLLATE "C" > $1 ORDER BY account_id COLLATE "C" LIMIT $2`, [afterAccountId, limit]);
    return rows.map((row) => ({ accountId: row.account_id, currency: row.currency }));
  }

  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ n: string | number }>("SELECT count(*)::text AS n FROM datalake.account");
    return Number(rows[0]?.n ?? 0);
  }
}
