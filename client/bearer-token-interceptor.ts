import type { Interceptor } from "@connectrpc/connect";

/**
 * Where the client gets its token: a fixed string, or a function called
 * before every request (return a fresh token after yours expires;
 * undefined or "" sends none).
 */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/**
 * An interceptor that sends `authorization: Bearer <token>` on every call
 * (unary and streaming, every protocol). An empty token sends no header, so
 * the call is anonymous.
 */
export function bearerTokenInterceptor(token: TokenSource): Interceptor {
  return (next) => async (req) => {
    const value = typeof token === "function" ? await token() : token;
    if (value) req.header.set("authorization", `Bearer ${value}`);
    return next(req);
  };
}
