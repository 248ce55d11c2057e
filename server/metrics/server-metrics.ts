import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { RouteTable } from "../rest/route-table.js";
import { createMetricsRoute } from "./metrics-route.js";
import { createRequestMetrics, type RequestMetrics } from "./request-metrics.js";
import { createRouteLabeler } from "./route-labels.js";
import { registerStoreGauges, type StoreStatsSource } from "./store-gauges.js";
import { createServerTaskCounters, type ServerTaskCounters } from "./task-counters.js";

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** Where the server's metrics register, and what `/metrics` serves (in `npm start`, shared with the worker). */
  registry: Registry;
  /** Bearer secret `/metrics` requires (`METRICS_TOKEN`); undefined: open. */
  token?: string;
  /** Read at scrape time for the queue, worker and outbox gauges. */
  store: StoreStatsSource;
  /**
   * The REST routes, whose templates label REST requests; asked for at the
   * first request (the server builds its REST services after its counters).
   */
  routes: () => RouteTable;
}

/** Everything the server measures, and its `/metrics` route. */
export interface ServerMetrics {
  /** Submitted and revoked tasks. */
  tasks: ServerTaskCounters;
  /** Request counts and durations (the Connect interceptor and the HTTP observer). */
  requests: RequestMetrics;
  /** `GET /metrics` for the fallback chain: false for other paths. */
  route(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * Registers the server's metrics in `options.registry` (one server per
 * registry: a second would register the same names again and throw).
 */
export function createServerMetrics(options: ServerMetricsOptions): ServerMetrics {
  const { registry } = options;
  registerStoreGauges(registry, options.store);
  let labelRoute: ((verb: string, url: string) => string) | undefined;
  return {
    tasks: createServerTaskCounters(registry),
    requests: createRequestMetrics(registry, (verb, url) => (labelRoute ??= createRouteLabeler(options.routes()))(verb, url)),
    route: createMetricsRoute({ registry, token: options.token }),
  };
}
