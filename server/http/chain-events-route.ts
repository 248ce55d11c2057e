import { create } from "@bufbuild/protobuf";
import {
  ChainSchema,
  ChainService,
  ChainStatus,
  type WatchChainRequestSchema,
  type WatchChainResponseSchema,
} from "../../gen/tstasks/v1/chain_service_pb.js";
import { restJson } from "../rest/response-json.js";
import type { MaybeHandler } from "./task-events-route.js";
import { createWatchEventsRoute, type WatchEventsServerOptions } from "./watch-events-route.js";

/** Options of {@link createChainEventsRoute}: the service's `watchChain` and the server's settings. */
export type ChainEventsRouteOptions = WatchEventsServerOptions<typeof WatchChainRequestSchema, typeof WatchChainResponseSchema>;

/**
 * `GET /chains/{id}/events`: WatchChain as Server-Sent Events (see
 * createWatchEventsRoute): `event: chain` (data: the chain JSON exactly as
 * `GET /chains/{id}` renders it) each time it changes, and after the final
 * chain `event: end` (data `{"status"}`).
 */
export function createChainEventsRoute(options: ChainEventsRouteOptions): MaybeHandler {
  return createWatchEventsRoute({
    ...options,
    path: /^\/chains\/([^/]+)\/events$/,
    method: ChainService.method.watchChain,
    frame: (message) => {
      const chain = message.chain ?? create(ChainSchema);
      const json = restJson(ChainSchema, chain) as { status?: string };
      const final = chain.status !== ChainStatus.RUNNING && chain.status !== ChainStatus.UNSPECIFIED;
      return { event: "chain", data: json, finalStatus: final ? json.status : undefined };
    },
  });
}
