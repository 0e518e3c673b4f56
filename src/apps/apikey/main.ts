/**
 * `bun run apikey --name N --scopes S --accounts A`: mints an API key. Prints the key (line 1,
 * shown this once: only its hash is ever stored) and the JSON line for API_KEYS_FILE (line 2).
 * Scopes and accounts are comma- or space-separated; `--accounts "*"` grants every account.
 * Exit 2 for bad arguments, as the engine's invalid configuration.
 */
import { isScope, SCOPES } from "../../domain/auth/principal.ts";
import { ApiKeyRegistry, mintApiKey } from "../../http/auth/apiKeys.ts";

export async function runApiKey(argv: readonly string[]): Promise<void> {
  const name = valueOf(argv, "--name");
  const scopes = listOf(valueOf(argv, "--scopes"));
  const accountsText = valueOf(argv, "--accounts");
  const errors: string[] = [];
  if (name === "") errors.push("--name: required (letters, digits, . _ -)");
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (scopes.length === 0 || unknown.length > 0) errors.push(`--scopes: one or more of ${SCOPES.join(", ")}${unknown.length > 0 ? `; not ${unknown.join(", ")}` : ""}`);
  if (accountsText === "") errors.push('--accounts: required: account ids, or "*" for all');
  const minted = mintApiKey(name, scopes, accountsText.trim() === "*" ? "*" : listOf(accountsText));
  const line = JSON.stringify(minted.line);
  const checked = errors.length === 0 ? ApiKeyRegistry.parse(line) : null;
  if (checked !== null && !checked.ok) errors.push(checked.error.replace(/^line 1: /, ""));
  if (errors.length > 0) {
    process.stderr.write(`${errors.join("\n")}\nusage: bun run apikey --name N --scopes "balances:read admin" --accounts "123,124"|"*"\n`);
    process.exit(2);
  }
  process.stdout.write(`${minted.key}\n${line}\n`);
  process.stderr.write("The key (line 1) is shown once; append line 2 to API_KEYS_FILE.\n");
}

function valueOf(argv: readonly string[], flag: string): string {
  const at = argv.indexOf(flag);
  return at === -1 ? "" : (argv[at + 1] ?? "");
}

function listOf(text: string): string[] {
  return text.split(/[\s,]+/).filter((item) => item !== "");
}
