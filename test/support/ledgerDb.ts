/** The ledger as tests read it: the real `bun run ledger check`, and a few rows from Postgres. */
import pg from "pg";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Runs `bun src/main.ts --role ledger check` on `databaseUrl`: its exit code and output. */
export async function ledgerCheck(databaseUrl: string): Promise<{ code: number; stdout: string }> {
  const child = Bun.spawn(["bun", "src/main.ts", "--role", "ledger", "check"], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, KAFKA_BROKERS: "" }, stdout: "pipe", stderr: "pipe",
  });
  const [code, stdout] = await Promise.all([child.exited, new Response(child.stdout).text()]);
  return { code, stdout };
}

export async function queryLedger<Row = Record<string, unknown>>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** How many times the ledger has each transfer, and its entries. */
export async function postingsOf(databaseUrl: string, transferIds: readonly string[]): Promise<Map<string, { status: string; entries: number }>> {
  const rows = await queryLedger<{ id: string; status: string; entries: string }>(databaseUrl,
    `SELECT t.id, t.status, count(e.id) AS entries FROM ledger.transactions t LEFT JOIN ledger.entries e ON e.transaction_id = t.id
     WHERE t.id = ANY($1::text[]) GROUP BY t.id, t.status`, [transferIds]);
  return new Map(rows.map((row) => [row.id, { status: row.status, entries: Number(row.entries) }]));
}
