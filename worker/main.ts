import { loadConfig } from "../core/config/env-config.js";
import { requireSharedBackends } from "../core/config/require-shared-backends.js";
import { openBackends } from "../core/open-backends.js";
import { runMain } from "../core/process/run-main.js";
import { untilSignal } from "../core/process/until-signal.js";
import { startWorker } from "./start-worker.js";

/** `npm run worker`: a worker only. Start as many as you like. */
async function main(): Promise<void> {
  const config = loadConfig();
  requireSharedBackends(config, "npm run worker");
  const backends = await openBackends(config, config.workerName);
  try {
    const worker = await startWorker(config, backends);
    const signal = await untilSignal();
    console.log(`[worker] ${signal}: finishing running tasks`);
    await worker.stop();
  } finally {
    await backends.close();
  }
}

runMain(main);
