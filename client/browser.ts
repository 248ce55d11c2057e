/**
 * The tstasks client for browsers (fetch-based Connect transports): the same
 * API as the Node entry. Bundlers pick it through the package's "browser"
 * condition, or import "@tstasks/client/browser" directly. The server must
 * allow the page's origin (`FRONTEND_URL`).
 */
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { TasksClientOptions } from "./client-options.js";
import { createTasksClientWith } from "./create-tasks-client-with.js";
import type { TasksClient } from "./tasks-client.js";
import { transportBaseOptions } from "./transport-base-options.js";

export * from "./public-api.js";

/**
 * A client of the server at `options.baseUrl`, over "connect" (default) or
 * "grpc-web". Throws for "grpc": browsers cannot speak it (fetch gives no
 * access to HTTP/2 trailers); gRPC-Web reaches the same methods.
 */
export function createTasksClient(options: TasksClientOptions): TasksClient {
  return createTasksClientWith(browserTransport(options), options);
}

function browserTransport(options: TasksClientOptions): Transport {
  const common = transportBaseOptions(options);
  const protocol = options.protocol ?? "connect";
  switch (protocol) {
    case "connect":
      return createConnectTransport(common);
    case "grpc-web":
      return createGrpcWebTransport(common);
    case "grpc":
      throw new Error('protocol "grpc" is not possible in a browser (fetch cannot read HTTP/2 trailers): use "connect" or "grpc-web"');
    default:
      throw new Error(`unknown protocol "${String(protocol)}": use "connect" or "grpc-web"`);
  }
}
