/**
 * Who may call what (contract section 8), at the edge: the credential of a request (an API key
 * in `X-API-Key`, a JWT in `Authorization: Bearer`, or for a browser's WebSocket the
 * `access_token` query parameter), then the caller's rate limit, then the route's scope.
 * Throws the HTTP answer: 401 `unauthorized` with `WWW-Authenticate: Bearer`, 429
 * `rate_limited` with `Retry-After`, 403 `forbidden`. With auth off, every caller is ANONYMOUS
 * and nothing is counted. Per-account checks are the routes' (an unseen account is a 404).
 */
import { ANONYMOUS, hasScope, type Principal, type Scope } from "../../domain/auth/principal.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { RateLimiter } from "../../runtime/ports.ts";
import { HttpError } from "../httpError.ts";
import type { ApiKeyRegistry } from "./apiKeys.ts";
import type { JwtVerifier } from "./jwtVerifier.ts";

export interface AccessOptions {
  /** AUTH_MODE resolved: false lets every request through as ANONYMOUS. */
  readonly required: boolean;
  readonly jwt: JwtVerifier | null;
  readonly apiKeys: ApiKeyRegistry | null;
  readonly limiter: RateLimiter;
  /** RATE_LIMIT_PER_SECOND: requests per caller. */
  readonly callerPerSecond: number;
  /** RATE_LIMIT_TRANSFER_SOURCE_PER_SECOND: transfers per source account (POST /v1/transfers). */
  readonly transferSourcePerSecond: number;
  readonly metrics: Metrics;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
const CHALLENGE = 'Bearer realm="balance-engine"';

export class Access {
  /** The caller of each request once authorized: routes read it, and a second check is free. */
  private readonly callers = new WeakMap<Request, Principal>();

  constructor(private readonly options: AccessOptions) {}

  get required(): boolean {
    return this.options.required;
  }

  /** The caller, authenticated, within its rate limit and holding `scope` (null: any caller). */
  async authorize(request: Request, scope: Scope | null, allowQueryToken = false): Promise<Principal> {
    const known = this.callers.get(request);
    const caller = known ?? (await this.authenticate(request, allowQueryToken));
    if (known === undefined) {
      this.callers.set(request, caller);
      if (this.options.required) await this.limit(`caller:${caller.name}`, this.options.callerPerSecond, "caller");
    }
    if (scope !== null && !hasScope(caller, scope)) {
      this.options.metrics.authFailuresTotal.inc({ reason: "forbidden" });
      throw new HttpError(403, "forbidden", `this credential lacks the scope ${scope}`);
    }
    return caller;
  }

  /** The caller `authorize` found for this request; ANONYMOUS when it was not asked (auth off). */
  callerOf(request: Request): Principal {
    return this.callers.get(request) ?? (this.options.required ? unreachable() : ANONYMOUS);
  }

  /**
   * The per-source-account limit of POST /v1/transfers (contract section 8), for the transfer
   * route to call once it exists: shared through the same limiter, counted apart.
   */
  async limitTransferSource(accountId: string): Promise<void> {
    await this.limit(`transfer-source:${accountId}`, this.options.transferSourcePerSecond, "transfer_source");
  }

  private async authenticate(request: Request, allowQueryToken: boolean): Promise<Principal> {
    if (!this.options.required) return ANONYMOUS;
    const apiKey = request.headers.get("x-api-key");
    if (apiKey !== null) return this.options.apiKeys?.find(apiKey) ?? this.refuse("invalid", "the API key is not valid");
    const token = bearerOf(request, allowQueryToken);
    if (token === null) return this.refuse("missing", "a credential is required: Authorization: Bearer <JWT>, or X-API-Key");
    if (token === "") return this.refuse("invalid", "the Authorization header is not of the form Bearer <JWT>");
    const caller = this.options.jwt === null ? null : await this.options.jwt(token);
    return caller ?? this.refuse("invalid", "the bearer token is not valid (signature, algorithm, expiry, issuer or audience)");
  }

  private async limit(key: string, perSecond: number, label: "caller" | "transfer_source"): Promise<void> {
    const decision = await this.options.limiter.hit(key, perSecond);
    if (decision.allowed) return;
    this.options.metrics.rateLimitedTotal.inc({ limit: label });
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new HttpError(429, "rate_limited", `more than ${perSecond} requests per second; retry after ${seconds} s`, undefined, { "retry-after": String(seconds) });
  }

  private refuse(reason: "missing" | "invalid", message: string): never {
    this.options.metrics.authFailuresTotal.inc({ reason });
    const challenge = reason === "missing" ? CHALLENGE : `${CHALLENGE}, error="invalid_token"`;
    throw new HttpError(401, "unauthorized", message, undefined, { "www-authenticate": challenge });
  }
}

/** The bearer token: null when none was sent, "" when the header is malformed. */
function bearerOf(request: Request, allowQueryToken: boolean): string | null {
  const header = request.headers.get("authorization");
  if (header !== null) return BEARER.exec(header)?.[1] ?? "";
  if (!allowQueryToken) return null;
  return new URL(request.url).searchParams.get("access_token");
}

function unreachable(): never {
  throw new Error("invariant: a route read its caller before authorizing the request");
}
