import { loadConfig } from "../core/config/env-config.js";
import { requireSharedBackends } from "../core/config/require-shared-backends.js";
import { requireTaskpacks } from "../core/config/require-taskpacks.js";
import { createLogger } from "../core/log/logger.js";
import { openBackends } from "../core/open-backends.js";
import { runMain } from "../core/process/run-main.js";
import { untilSignal } from "../core/process/until-signal.js";
import { startWorker } from "./start-worker.js";
import { startHealthServer, type HealthServer } from "./health/health-server.js";
import { createMetricsRegistry } from "../core/telemetry/metrics-registry.js";
import { startTracing } from "../core/telemetry/start-tracing.js";

/**
 * `npm run worker`: a worker only. Start as many as you like. With
 * `WORKER_METRICS_PORT` (or `WORKER_HEALTH_PORT`) set it also serves
 * `GET /livez`, `GET /readyz` and `GET /metrics` on that port.
 */
async function main(): Promise<void> {
  // Listening from the start: a SIGTERM while starting up stops the process once it has started,
  // instead of killing it mid-start (the default action) with tasks half-claimed.
  const stopRequested = untilSignal();
  const config = loadConfig();
  const root = createLogger(config);
  const log = root.child({ component: "worker", worker: config.workerName });
  requireSharedBackends(config, "npm run worker");
  requireTaskpacks(config, "npm run worker");
  // Off unless the OTEL_* variables ask for it; flushed in the finally below.
  const tracing = await startTracing("tstasks-worker");
  if (tracing) root.child({ component: "tracing" }).info(tracing.describe);
  const backends = await openBackends(config, config.workerName, root);
  try {
    const registry = createMetricsRegistry();
    const worker = await startWorker(config, backends, root, registry);
    let health: HealthServer | undefined;
    if (config.workerHealthPort !== undefined) {
      health = await startHealthServer({
        port: config.workerHealthPort,
        host: config.host,
        health: () => worker.health(),
        metrics: { registry, token: config.metricsToken },
      });
      log.info({ port: health.port }, `health: http://${config.host ?? "localhost"}:${health.port}/livez, /readyz and /metrics`);
    }
    const signal = await stopRequested;
    log.info({ signal }, `${signal}: finishing running tasks`);
    try {
      // Meanwhile /readyz answers 503 (consumer "stopping") and /livez 200.
      await worker.stop();
    } finally {
      await health?.close();
    }
  } finally {
    await backends.close();
    await tracing?.shutdown();
  }
  log.info("stopped");
}

runMain(main);
