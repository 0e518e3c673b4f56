/**
 * What a credential grants, as it arrives (JWT claims, an API key's line): the one TypeBox
 * schema both are checked with, so a token and a key can grant exactly the same things.
 */
import { Type } from "@sinclair/typebox";
import { IdSchema } from "../../domain/identifier.ts";
import { PRINCIPAL_ACCOUNTS_MAX } from "../../domain/auth/principal.ts";

/** Scope lists are short; a longer one is not a grant this engine issued. */
const SCOPES_MAX = 32;
const SCOPE_LENGTH_MAX = 64;

export const AccountsGrant = Type.Union([
  Type.Literal("*"),
  Type.Array(IdSchema, { maxItems: PRINCIPAL_ACCOUNTS_MAX }),
], { description: "The accounts the caller may see: a list of ids, or \"*\" for all" });

export const ScopeList = Type.Array(Type.String({ minLength: 1, maxLength: SCOPE_LENGTH_MAX }), { maxItems: SCOPES_MAX });

/** The space-separated `scope` claim of a JWT (RFC 8693 style). */
export const ScopeClaim = Type.String({ maxLength: SCOPES_MAX * (SCOPE_LENGTH_MAX + 1) });

export const SubjectClaim = Type.String({ minLength: 1, maxLength: 256 });
