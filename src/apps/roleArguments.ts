/** The command line after `--role <role>`: what a role's own arguments are (`eod --date D`, `check`). */
export function roleArguments(argv: readonly string[]): string[] {
  return argv.filter((_, i) => argv[i] !== "--role" && argv[i - 1] !== "--role");
}
