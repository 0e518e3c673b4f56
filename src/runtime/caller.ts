/**
 * Who is asking: the seam between authentication (at the edge) and the rules that depend on the
 * caller (idempotency keys are the caller's own, an account outside its list looks unknown).
 * Without authentication every request is the open caller, with every account.
 */
export interface Caller {
  readonly name: string;
  readonly accounts: "*" | ReadonlySet<string>;
}

export const OPEN_CALLER: Caller = Object.freeze({ name: "anonymous", accounts: "*" });

export function mayUseAccount(caller: Caller, accountId: string): boolean {
  return caller.accounts === "*" || caller.accounts.has(accountId);
}
