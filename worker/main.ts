import { loadConfig } from "../core/config/env-config.js";
import { requireSharedBackends } from "../core/config/require-shared-backends.js";
import { requireTaskpacks } from "../core/config/require-taskpacks.js";
import { openBackends } from "../core/open-backends.js";
import { runMain } from "../core/process/run-main.js";
import { untilSignal } from "../core/process/until-signal.js";
import { startWorker } from "./start-worker.js";
import { startHealthServer, type HealthServer } from "./health/health-server.js";

/**
 * `npm run worker`: a worker only. Start as many as you like. With
 * `WORKER_HEALTH_PORT` set it also serves `GET /livez` and `GET /readyz`.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  requireSharedBackends(config, "npm run worker");
  requireTaskpacks(config, "npm run worker");
  const backends = await openBackends(config, config.workerName);
  try {
    const worker = await startWorker(config, backends);
    let health: HealthServer | undefined;
    if (config.workerHealthPort !== undefined) {
      health = await startHealthServer({ port: config.workerHealthPort, host: config.host, health: () => worker.health() });
      console.log(`[worker] health: http://${config.host ?? "localhost"}:${health.port}/livez and /readyz`);
    }
    const signal = await untilSignal();
    console.log(`[worker] ${signal}: finishing running tasks`);
    try {
      // Meanwhile /readyz answers 503 (consumer "stopping") and /livez 200.
      await worker.stop();
    } finally {
      await health?.close();
    }
  } finally {
    await backends.close();
  }
}

runMain(main);
