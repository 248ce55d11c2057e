import { loadConfig } from "../core/config/env-config.js";
import { requireSharedBackends } from "../core/config/require-shared-backends.js";
import { resolveLogFormat } from "../core/log/log-settings.js";
import { createLogger } from "../core/log/logger.js";
import { logStartBanner } from "../core/log/start-banner.js";
import { openBackends } from "../core/open-backends.js";
import { runMain } from "../core/process/run-main.js";
import { untilSignal } from "../core/process/until-signal.js";
import { startServer } from "./start-server.js";
import { createMetricsRegistry } from "../core/telemetry/metrics-registry.js";
import { startTracing } from "../core/telemetry/start-tracing.js";

/** `npm run server`: the API server only (run workers separately). */
async function main(): Promise<void> {
  // Listening from the start: a SIGTERM while starting up stops the process once it has started,
  // instead of killing it mid-start (the default action) with tasks half-claimed.
  const stopRequested = untilSignal();
  const config = loadConfig();
  const root = createLogger(config);
  const log = root.child({ component: "server" });
  requireSharedBackends(config, "npm run server");
  // Off unless the OTEL_* variables ask for it; flushed in the finally below.
  const tracing = await startTracing("tstasks-server");
  if (tracing) root.child({ component: "tracing" }).info(tracing.describe);
  const backends = await openBackends(config, "tstasks-server", root);
  try {
    const { server, port } = await startServer(config, backends, root, createMetricsRegistry());
    logStartBanner(log, resolveLogFormat(config), {
      title: `listening on http://localhost:${port} (Connect, gRPC, gRPC-Web, REST)`,
      details: [...backends.describe, `metrics: http://localhost:${port}/metrics${config.metricsToken ? " (bearer METRICS_TOKEN)" : ""}`],
      fields: { url: `http://localhost:${port}`, port, backends: backends.describe },
    });
    const signal = await stopRequested;
    log.info({ signal }, `${signal}: closing`);
    await server.close();
  } finally {
    await backends.close();
    await tracing?.shutdown();
  }
  log.info("stopped");
}

runMain(main);
