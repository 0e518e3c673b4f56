/**
 * `bun start [--role <role>]`: one entry point, one composition root per process role.
 * Roles: `engine` (the default: API and actors); `apikey` (mints an API key and exits: `bun run apikey`);
 * `report` (the EOD report: `bun run report eod --date D`); `ledger-worker` (the cold path: posts approved
 * transfers in the ledger); `ledger` (`bun run ledger check`: the ledger's invariants).
 */
import { runApiKey } from "./apps/apikey/main.ts";
import { runEngine } from "./apps/engine/main.ts";
import { runLedger } from "./apps/ledger/main.ts";
import { runLedgerWorker } from "./apps/ledgerWorker/main.ts";
import { runReport } from "./apps/report/main.ts";
import { createLogger } from "./observability/log.ts";

const ROLES: Record<string, (argv: readonly string[]) => Promise<void>> = {
  engine: runEngine,
  apikey: runApiKey,
  report: runReport,
  "ledger-worker": runLedgerWorker,
  ledger: runLedger,
};

const argv = Bun.argv.slice(2);
const roleAt = argv.indexOf("--role");
const role = roleAt === -1 ? "engine" : argv[roleAt + 1] ?? "";
const run = ROLES[role];
if (run === undefined) {
  createLogger("error").error("invalid_config", { errors: [`--role: one of ${Object.keys(ROLES).join(", ")}, not "${role}"`] });
  process.exit(2);
}
await run(argv);
