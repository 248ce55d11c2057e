import type { Config } from "../core/config/env-config.js";
import type { Backends } from "../core/open-backends.js";
import { loadTaskpacks } from "./packs/load-taskpacks.js";
import { createWorker, type Worker } from "./worker.js";
import { registerWorker } from "./worker-registration.js";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";
import type { Registry } from "prom-client";

/**
 * Loads the taskpacks named by the configuration (logging each failure, which
 * skips only that pack) and starts a worker on the given backends, registered
 * in the store's worker registry until its `stop()` (see worker-registration.ts). `log` is
 * the process's root logger (default: {@link defaultLogger}); the packs log
 * as component `taskpacks`, the worker as `worker`. Its metrics go to
 * `metrics` (default: none kept).
 */
export async function startWorker(config: Config, backends: Backends, log: Logger = defaultLogger(), metrics?: Registry): Promise<Worker> {
  const { tasks } = await loadTaskpacks({
    dir: config.taskpacksDir,
    packages: config.taskpackPackages,
    log: log.child({ component: "taskpacks" }),
  });
  const worker = createWorker({
    store: backends.store,
    queue: backends.queue,
    tasks,
    name: config.workerName,
    concurrency: config.workerConcurrency,
    prefetch: config.workerPrefetch,
    priorityAgingMs: config.priorityAgingMs,
    // Heartbeats well inside the ack wait keep a healthy long task from being redelivered.
    heartbeatMs: config.workerHeartbeatMs,
    unserved: config.unserved,
    log: log.child({ component: "worker" }),
    metrics,
  });
  await worker.start();
  // In the store's worker registry (GET /workers) until it stops: a heartbeat every 5 s.
  await registerWorker(worker, {
    store: backends.store,
    name: config.workerName,
    taskTypes: tasks.map((t) => t.name),
    concurrency: config.workerConcurrency,
    log: log.child({ component: "registry" }),
  });
  return worker;
}
