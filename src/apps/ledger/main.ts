/**
 * `bun run ledger check`: verifies the ledger's invariants on the live database (DATABASE_URL)
 * and prints each violation as one line, then a summary. Exit codes: 0 when the ledger holds;
 * 1 when a rule is broken or the database does not answer; 2 for bad arguments or configuration.
 */
import { checkLedger, ledgerTotals } from "../../adapters/postgres/ledgerCheck.ts";
import { openPostgresClient } from "../../adapters/postgres/postgresClient.ts";
import { loadConfig } from "../../config.ts";
import { roleArguments } from "../roleArguments.ts";
import { createLogger } from "../../observability/log.ts";

export async function runLedger(argv: readonly string[]): Promise<void> {
  const log = createLogger("info", (line) => process.stderr.write(`${line}\n`));
  const rest = roleArguments(argv);
  const loaded = loadConfig(process.env, [], "ledger-check");
  const errors = [
    ...(rest.length === 1 && rest[0] === "check" ? [] : [`ledger: the one command is "check" (bun run ledger check), not "${rest.join(" ")}"`]),
    ...(loaded.ok ? [] : loaded.errors),
  ];
  if (errors.length > 0 || !loaded.ok) {
    log.error("invalid_config", { errors });
    process.exit(2);
  }
  try {
    const sql = await openPostgresClient(loaded.config.DATABASE_URL);
    const violations = await checkLedger(sql);
    const totals = await ledgerTotals(sql);
    await sql.close();
    for (const violation of violations) process.stdout.write(`VIOLATION ${violation.rule}: ${violation.id}: ${violation.detail}\n`);
    process.stdout.write(`ledger check: ${violations.length} violations; ${totals.transactions} transactions (${totals.posted} posted), ${totals.entries} entries, ${totals.accounts} accounts\n`);
    process.exit(violations.length === 0 ? 0 : 1);
  } catch (error) {
    log.error("ledger_check_failed", { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
}
