import { loadConfig } from "../core/config/env-config.js";
import { requireTaskpacks } from "../core/config/require-taskpacks.js";
import { resolveLogFormat } from "../core/log/log-settings.js";
import { createLogger } from "../core/log/logger.js";
import { logStartBanner } from "../core/log/start-banner.js";
import { openBackends } from "../core/open-backends.js";
import { runMain } from "../core/process/run-main.js";
import { untilSignal } from "../core/process/until-signal.js";
import { startServer } from "../server/start-server.js";
import { startWorker } from "../worker/start-worker.js";
import { createMetricsRegistry } from "../core/telemetry/metrics-registry.js";
import { startTracing } from "../core/telemetry/start-tracing.js";

/**
 * `npm start`: the API server and one worker in one process. With neither
 * DATABASE_URL nor NATS_URL set it needs nothing else (embedded PGlite store,
 * in-process queue); with both set it is a small single-machine deployment.
 */
async function main(): Promise<void> {
  // Listening from the start: a SIGTERM while starting up stops the process once it has started,
  // instead of killing it mid-start (the default action) with tasks half-claimed.
  const stopRequested = untilSignal();
  const config = loadConfig();
  const log = createLogger(config);
  requireTaskpacks(config, "npm start");
  // Off unless the OTEL_* variables ask for it; flushed in the finally below.
  const tracing = await startTracing("tstasks");
  if (tracing) log.child({ component: "tracing" }).info(tracing.describe);
  const backends = await openBackends(config, "tstasks", log);
  try {
    // One registry: the server's /metrics shows the worker's metrics too.
    const metrics = createMetricsRegistry();
    const worker = await startWorker(config, backends, log, metrics);
    const { server, port } = await startServer(config, backends, log, metrics);
    const embedded = backends.embedded.store || backends.embedded.queue;
    const url = `http://localhost:${port}`;
    logStartBanner(log, resolveLogFormat(config), {
      title: `tstasks is running on ${url}  (Connect, gRPC, gRPC-Web and REST on one port)`,
      details: [
        ...backends.describe,
        `worker: ${config.workerName}, queues ${worker.queues.join(", ") || "(none)"}, concurrency ${config.workerConcurrency}`,
        ...(backends.recovered > 0 ? [`recovered ${backends.recovered} unfinished task(s) from the store`] : []),
        ...(embedded ? ["embedded mode: for development, demos and one machine; set DATABASE_URL and NATS_URL for several machines"] : []),
        `try: curl -s localhost:${port}/task -H 'content-type: application/json' -d '{"type":"test.main.add","args":{"x":1,"y":2}}'`,
      ],
      fields: {
        url,
        port,
        backends: backends.describe,
        worker: config.workerName,
        queues: worker.queues,
        concurrency: config.workerConcurrency,
        recovered: backends.recovered,
        embedded,
      },
    });
    const signal = await stopRequested;
    log.info({ signal }, `${signal}: closing the server, then finishing running tasks`);
    await server.close();
    await worker.stop();
  } finally {
    await backends.close();
    await tracing?.shutdown();
  }
  log.info("stopped");
}

runMain(main);
