import type { Interceptor } from "@connectrpc/connect";
import { bearerTokenInterceptor } from "./bearer-token-interceptor.js";
import type { TasksClientOptions } from "./client-options.js";

/** What every transport of a client takes, whatever the protocol and runtime. */
export interface TransportBaseOptions {
  /** `options.baseUrl`, unchanged. */
  baseUrl: string;
  /** A bearer-token interceptor when `options.token` is set (even to ""), else none. */
  interceptors: Interceptor[];
}

/**
 * The transport options the Node and browser entries share: the server's
 * base URL and, when a token is given, the interceptor that sends it. Each
 * entry adds its protocol-specific options (e.g. the HTTP version) on top.
 */
export function transportBaseOptions(options: TasksClientOptions): TransportBaseOptions {
  return {
    baseUrl: options.baseUrl,
    interceptors: options.token !== undefined ? [bearerTokenInterceptor(options.token)] : [],
  };
}
