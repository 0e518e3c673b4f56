/**
 * Who is calling, and what they may do (contract section 8): a name, scopes, and the accounts
 * they may see. Pure: the edges verify credentials and build one of these; routes ask it.
 */

export const SCOPES = ["balances:read", "transfers:write", "transfers:confirm", "events:write", "admin", "ops:read"] as const;
export type Scope = (typeof SCOPES)[number];

/** One claim or key line may list this many accounts at most (bounded memory per caller). */
export const PRINCIPAL_ACCOUNTS_MAX = 10_000;

export interface Principal {
  /** For audit rows and rate limits: `key:<name>` for an API key, `jwt:<sub>` for a token, `anonymous` when auth is off. */
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
  /** "*": every account. */
  readonly accounts: "*" | ReadonlySet<string>;
}

/** When AUTH_MODE is none: one caller that may do everything (the engine is open). */
export const ANONYMOUS: Principal = { name: "anonymous", scopes: new Set(SCOPES), accounts: "*" };

const KNOWN_SCOPES: ReadonlySet<string> = new Set(SCOPES);

export function isScope(value: string): value is Scope {
  return KNOWN_SCOPES.has(value);
}

/** Unknown scope names are dropped, not refused: an issuer may grant scopes of other services. */
export function principalOf(name: string, scopes: readonly string[], accounts: "*" | readonly string[]): Principal {
  return {
    name,
    scopes: new Set(scopes.filter(isScope)),
    accounts: accounts === "*" ? "*" : new Set(accounts),
  };
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

/** An account outside this is answered as if it did not exist (never a 403 that confirms it does). */
export function canSeeAccount(principal: Principal, accountId: string): boolean {
  return principal.accounts === "*" || principal.accounts.has(accountId);
}

/** The alerts channel: every account's alerts with ops:read, otherwise only the caller's own. */
export function canSeeAlertOf(principal: Principal, accountId: string): boolean {
  return hasScope(principal, "ops:read") || canSeeAccount(principal, accountId);
}
