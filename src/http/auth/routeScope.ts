/**
 * Each route's scope, said once: the hook that authorizes the request and the OpenAPI
 * `security` that documents it come from the same call. The hook is Elysia's `transform`, which
 * runs before validation, so a caller without a credential hears 401 and never a 400 that
 * describes the route's parameters.
 */
import type { Scope } from "../../domain/auth/principal.ts";
import type { Access } from "./access.ts";

export const SECURITY_SCHEME_BEARER = "bearerJwt";
export const SECURITY_SCHEME_API_KEY = "apiKey";

/** components.securitySchemes of the OpenAPI document. */
export const SECURITY_SCHEMES = {
  [SECURITY_SCHEME_BEARER]: {
    type: "http", scheme: "bearer", bearerFormat: "JWT",
    description: "A JWT (HS256, RS256 or ES256, as the engine's key says) with sub, exp, scope (space-separated) and accounts (a list of ids, or \"*\").",
  },
  [SECURITY_SCHEME_API_KEY]: {
    type: "apiKey", in: "header", name: "X-API-Key",
    description: "A key minted with `bun run apikey`; the engine stores only its SHA-256.",
  },
} as const;

/** Either credential, holding `scope` (OpenAPI 3.1 lets non-OAuth schemes list the roles they need). */
export function securityOf(scope: Scope): Record<string, string[]>[] {
  return [{ [SECURITY_SCHEME_BEARER]: [scope] }, { [SECURITY_SCHEME_API_KEY]: [scope] }];
}

/** Spread into a route's options: `{ ...scoped(access, "admin"), params, detail: { ..., security: securityOf("admin") } }`. */
export function scoped(access: Access, scope: Scope) {
  return {
    transform: async ({ request }: { request: Request }) => {
      await access.authorize(request, scope);
    },
  };
}

/**
 * A page a browser opens (the dashboard): as `scoped`, and the credential may also come as the
 * `access_token` query parameter, since a browser cannot put a header on the page it navigates to.
 */
export function scopedPage(access: Access, scope: Scope) {
  return {
    transform: async ({ request }: { request: Request }) => {
      await access.authorize(request, scope, true);
    },
  };
}
