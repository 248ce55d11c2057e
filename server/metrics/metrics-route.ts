import type { IncomingMessage, ServerResponse } from "node:http";
import { answerMetrics, METRICS_PATH, type MetricsEndpointOptions } from "../../core/telemetry/metrics-endpoint.js";

/**
 * The server's `GET /metrics` route, for the connect fallback chain: returns
 * false for any other path (the next route answers), true once it took the
 * request (see answerMetrics: Prometheus text, 401 without the bearer
 * `METRICS_TOKEN` when one is set, 405 for other methods).
 */
export function createMetricsRoute(options: MetricsEndpointOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    if ((q < 0 ? url : url.slice(0, q)) !== METRICS_PATH) return false;
    void answerMetrics(req, res, options);
    return true;
  };
}
