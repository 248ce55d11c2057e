import { toConnectError } from "./to-connect-error.js";
import type { Logger } from "../../core/log/logger.js";

/**
 * Wraps every method of a service implementation so that whatever it throws
 * leaves as a ConnectError from {@link toConnectError}. Both the Connect
 * router and the REST layer serve the wrapped object, so errors look the
 * same on every protocol. Server-streaming methods (async generators) are
 * wrapped too. Unexpected errors are logged on `log` (see toConnectError).
 */
export function withErrorMapping<T extends object>(impl: T, log?: Logger): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    if (typeof fn !== "function") continue;
    if (fn.constructor?.name === "AsyncGeneratorFunction") {
      wrapped[name] = async function* (...args: unknown[]) {
        try {
          yield* (fn as (...a: unknown[]) => AsyncIterable<unknown>).apply(impl, args);
        } catch (e) {
          throw toConnectError(e, log);
        }
      };
    } else {
      wrapped[name] = async (...args: unknown[]) => {
        try {
          return await (fn as (...a: unknown[]) => unknown).apply(impl, args);
        } catch (e) {
          throw toConnectError(e, log);
        }
      };
    }
  }
  return wrapped as T;
}
