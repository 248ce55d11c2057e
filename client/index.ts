/**
 * The tstasks client for Node (`import { createTasksClient } from "@tstasks/client"`).
 * Browsers get `browser.ts` (same API) through the package's "browser" condition.
 */
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { TasksClientOptions } from "./client-options.js";
import { createTasksClientWith } from "./create-tasks-client-with.js";
import type { TasksClient } from "./tasks-client.js";
import { transportBaseOptions } from "./transport-base-options.js";

export * from "./public-api.js";

/**
 * A client of the server at `options.baseUrl`. Protocols: "connect" (default;
 * HTTP/1.1 with keep-alive), "grpc" (always HTTP/2: without TLS for `http://`, TLS
 * for `https://`), "grpc-web" (HTTP/1.1). The token, if any, goes in
 * `authorization: Bearer …` on every call. Throws for an unknown protocol.
 */
export function createTasksClient(options: TasksClientOptions): TasksClient {
  return createTasksClientWith(nodeTransport(options), options);
}

function nodeTransport(options: TasksClientOptions): Transport {
  const common = transportBaseOptions(options);
  const protocol = options.protocol ?? "connect";
  switch (protocol) {
    case "connect":
      return createConnectTransport({ ...common, httpVersion: "1.1" });
    case "grpc":
      return createGrpcTransport(common);
    case "grpc-web":
      return createGrpcWebTransport({ ...common, httpVersion: "1.1" });
    default:
      throw new Error(`unknown protocol "${String(protocol)}": use "connect", "grpc" or "grpc-web"`);
  }
}
