import { collectDefaultMetrics, Registry } from "prom-client";

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event
   * loop lag, GC, handles; standard names such as `process_cpu_seconds_total`
   * and `nodejs_eventloop_lag_seconds`, not prefixed, so stock Node.js
   * dashboards work). Default true.
   */
  processMetrics?: boolean;
}

/**
 * A fresh prom-client registry for one process: never prom-client's global
 * default, so tests can run several servers and workers in one process, and
 * the embedded mode (`npm start`) can hand the same one to its server and its
 * worker, whose `/metrics` then shows both. Process entry points create one;
 * the server's `build` makes its own (without process metrics) when given none.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
