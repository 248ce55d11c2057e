import type { Config } from "../core/config/env-config.js";
import type { Backends } from "../core/open-backends.js";
import { loadTaskpacks } from "./packs/load-taskpacks.js";
import { createWorker, type Worker } from "./worker.js";

/**
 * Loads the taskpacks named by the configuration (logging each failure, which
 * skips only that pack) and starts a worker on the given backends.
 */
export async function startWorker(config: Config, backends: Backends, log = (line: string) => console.log(line)): Promise<Worker> {
  const { tasks, failures } = await loadTaskpacks({ dir: config.taskpacksDir, packages: config.taskpackPackages, log });
  for (const f of failures) log(`[worker] taskpack ${f.pack} failed to load and is skipped: ${f.error}`);
  const worker = createWorker({
    store: backends.store,
    queue: backends.queue,
    tasks,
    name: config.workerName,
    concurrency: config.workerConcurrency,
    prefetch: config.workerPrefetch,
    // Heartbeats well inside the ack wait keep a healthy long task from being redelivered.
    heartbeatMs: config.workerHeartbeatMs,
    unserved: config.unserved,
    log,
  });
  await worker.start();
  return worker;
}
