import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { UnauthenticatedError } from "../auth/auth-errors.js";
import { readBearerToken } from "../auth/bearer-header.js";
import type { Principal } from "../auth/principal.js";
import type { TokenService } from "../auth/token-service.js";

/** The client's network address, set from the raw request on every protocol. */
export const kClientAddress = createContextKey<string>("unknown", { description: "client address" });

/** The verified caller, cached per request once resolved. */
const kCaller = createContextKey<{ principal: Principal | undefined } | undefined>(undefined, { description: "caller" });

/** Who is calling: the verified token's principal, or undefined for anonymous. */
export type CallerResolver = (ctx: HandlerContext) => Promise<Principal | undefined>;

/**
 * Resolves the caller from the request's `authorization` header (REST
 * header, Connect/gRPC metadata alike): no header → anonymous; a header that
 * is malformed or a token that does not verify → UnauthenticatedError saying
 * why (a bad token is never treated as anonymous).
 */
export function createCallerResolver(tokens: TokenService): CallerResolver {
  return async (ctx) => {
    const cached = ctx.values.get(kCaller);
    if (cached) return cached.principal;
    const token = readBearerToken(ctx.requestHeader.get("authorization"));
    const principal = token === undefined ? undefined : await tokens.verify(token);
    ctx.values.set(kCaller, { principal });
    return principal;
  };
}

/** Like the resolver, but anonymous callers get UnauthenticatedError(`why`). */
export async function requireCaller(resolve: CallerResolver, ctx: HandlerContext, why: string): Promise<Principal> {
  const principal = await resolve(ctx);
  if (!principal) throw new UnauthenticatedError(`${why}: send Authorization: Bearer <token> (POST /token issues one)`);
  return principal;
}
