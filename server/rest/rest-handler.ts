import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { create, type DescMessage, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import { writeError } from "./error-response.js";
import { handlerContextForRequest } from "./handler-context-for-request.js";
import { HttpError } from "./http-error.js";
import { writeJson, type ResponseSink } from "./json-response.js";
import { readJsonBody } from "./request-body.js";
import { buildRequestMessage } from "./request-message.js";
import { responseBodyJson } from "./response-json.js";
import { buildRouteTable, type RestRoute } from "./route-table.js";
import type { PathMatch } from "./path-template.js";

/** A service to expose over REST: its descriptor and the object implementing it. */
export interface RestService {
  service: DescService;
  /** The ServiceImpl object whose methods take (req, ctx); the same object given to `router.service`. */
  impl: object;
}

/** Options of {@link createRestHandler}. */
export interface RestHandlerOptions {
  services: RestService[];
  /** Maps anything thrown by an implementation to a ConnectError (the server's one error mapper). */
  mapError: (thrown: unknown) => ConnectError;
  /** Body size limit in bytes; larger → 413 {code:"resource_exhausted", message:"request body exceeds N bytes"}. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Aborted on server shutdown; passed to handler contexts. */
  shutdownSignal?: AbortSignal;
  /** Values for the handler context (e.g. a principal), built from the raw request. */
  contextValues?: (req: IncomingMessage | Http2ServerRequest) => ContextValues;
}

/** A Node request handler for HTTP/1 and the HTTP/2 compatibility API. */
export type RestNodeHandler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  next?: () => void,
) => void;

/** Default of {@link RestHandlerOptions.maxBodyBytes}: 1 MiB. */
export const defaultMaxBodyBytes = 1024 * 1024;

/**
 * Plain HTTP/JSON for every unary method with a `google.api.http` option,
 * transcoded generically from the descriptors (see `buildRouteTable`).
 *
 * The implementation method is called directly with a HandlerContext built
 * here (protocolName "rest", no timeout) instead of going back through a
 * Connect transport: an in-process router transport costs ~9x throughput.
 * Consequence: Connect interceptors do not run for REST calls, so anything
 * they would do (e.g. authentication) must come through `contextValues` or
 * live in the implementation.
 *
 * Answers:
 * - 200 `application/json`, the output (or its `response_body` field) as
 *   proto3 JSON with proto field names, zero values included and enum values
 *   without their type prefix; response headers set by the implementation
 *   are copied;
 * - errors as `{"code","message","errors"?}` with the status of the code
 *   (see `restStatusForCode`), the error's metadata as headers;
 * - 404 not_found for an unknown path, unless `next` is given, which is then
 *   called instead (to chain other handlers); 405 unimplemented with `Allow`
 *   for a known path and the wrong verb; 413/415 for bodies (see `readJsonBody`).
 *
 * Throws at creation when a `google.api.http` rule is malformed.
 */
export function createRestHandler(options: RestHandlerOptions): RestNodeHandler {
  const table = buildRouteTable(options.services.map((s) => s.service));
  const impls = new Map<DescService, object>(options.services.map((s) => [s.service, s.impl]));
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;

  return (req, res, next) => {
    const sink = res as unknown as ResponseSink;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const verb = (req.method ?? "GET").toUpperCase();
    const found = table.find(verb, rawPath);
    switch (found.kind) {
      case "none":
        if (next !== undefined) {
          next();
          return;
        }
        writeError(sink, new HttpError(404, Code.NotFound, `no route for ${verb} ${rawPath}`));
        return;
      case "wrong-verb":
        writeError(
          sink,
          new HttpError(405, Code.Unimplemented, `method ${verb} not allowed for ${rawPath}`, {
            allow: found.allowed.join(", "),
          }),
        );
        return;
      case "match":
        serve(options, impls, maxBodyBytes, found.route, found.variables, req, res, url, q).catch(() => {
          // Only a bug can get here (every known failure is answered inside);
          // never leak its text, and never leave the client hanging.
          try {
            writeError(sink, new ConnectError("internal error", Code.Internal));
          } catch {
            (res as unknown as { destroy(): void }).destroy();
          }
        });
    }
  };
}

async function serve(
  options: RestHandlerOptions,
  impls: Map<DescService, object>,
  maxBodyBytes: number,
  route: RestRoute,
  variables: PathMatch[],
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  url: string,
  queryStart: number,
): Promise<void> {
  const sink = res as unknown as ResponseSink;
  let input;
  try {
    const bodyText = route.body === "" ? "" : await readJsonBody(req, maxBodyBytes);
    const query = new URLSearchParams(queryStart < 0 ? "" : url.slice(queryStart + 1));
    input = buildRequestMessage(route, variables, query, bodyText);
  } catch (e) {
    // Our own failures are ConnectErrors already; a stream error means the client went away.
    writeError(sink, e instanceof ConnectError ? e : new ConnectError("request aborted", Code.Canceled));
    return;
  }

  const ctx = handlerContextForRequest(req, {
    service: route.service,
    method: route.method,
    protocolName: "rest",
    url,
    shutdownSignal: options.shutdownSignal,
    contextValues: options.contextValues,
  });
  const closeable = res as unknown as { once(event: "close", l: () => void): unknown; writableEnded: boolean };
  closeable.once("close", () => {
    if (!closeable.writableEnded) ctx.abort(new ConnectError("client went away", Code.Canceled));
  });
  try {
    const impl = impls.get(route.service) as Record<string, unknown>;
    const fn = impl[route.method.localName];
    if (typeof fn !== "function") {
      throw new ConnectError(`${route.service.typeName}.${route.method.name} is not implemented`, Code.Unimplemented);
    }
    const output = (await fn.call(impl, input, ctx)) as MessageInitShape<DescMessage>;
    const message = create(route.method.output, output);
    const body = responseBodyJson(route.method.output, message, route.responseBody);
    writeJson(sink, 200, body, ctx.responseHeader);
  } catch (e) {
    writeError(sink, options.mapError(e), ctx.responseHeader);
  } finally {
    // Connect aborts the context signal when an RPC completes; do the same so
    // downstream work tied to ctx.signal stops and timers are released.
    ctx.abort();
  }
}
