import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";
import type { TaskStore } from "../core/store/task-store.js";
import { checkWithin } from "./health/check-within.js";
import type { Worker } from "./worker.js";

/**
 * How often a worker refreshes its row in the registry by default (5 s): a
 * fixed interval, not `WORKER_HEARTBEAT_MS`, which paces the queue's ack
 * heartbeats of running tasks and follows `ACK_WAIT_MS`. A worker counts as
 * alive while its last heartbeat is younger than three intervals (15 s).
 */
export const REGISTRY_HEARTBEAT_MS = 5000;

/** Longest wait for the store on stop (a heartbeat in flight, then the delete), so a hung connection cannot hold a shutdown. */
const STOP_TIMEOUT_MS = 2000;

/** What {@link startWorkerRegistration} needs. */
export interface WorkerRegistrationOptions {
  store: Pick<TaskStore, "upsertWorker" | "removeWorker">;
  /** The started worker: its queues, and its running attempts at each heartbeat. */
  worker: Pick<Worker, "queues" | "running">;
  /** Its `WORKER_NAME`, recorded on the attempts it runs. */
  name: string;
  /** The task types it serves. */
  taskTypes: readonly string[];
  /** Its run slots (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** Interval between heartbeats, ms (at least 1). Default {@link REGISTRY_HEARTBEAT_MS}. */
  intervalMs?: number;
  /** Its registry id. Default {@link newWorkerId}(). */
  id?: string;
  /** Where failures go (at warn). Default: the process's root logger, component `registry`. */
  log?: Logger;
}

/** A worker's registration in the store, started by {@link startWorkerRegistration}. */
export interface WorkerRegistration {
  /** The worker's registry id. */
  readonly id: string;
  /**
   * Stops the heartbeats and deletes the worker's row; a store that fails or
   * does not answer within two seconds is logged, never thrown (the row then
   * shows the worker not alive until it ages out). Safe to call twice.
   */
  stop(): Promise<void>;
}

/**
 * A registry id unique per process start: `<hostname>-<pid>-<8 hex digits>`
 * (a restarted process, or a container that reuses pid 1, gets a new one).
 */
export function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * Registers a started worker in the store (its row: id, host, pid, queues,
 * task types, concurrency, in-flight count, start time) and refreshes the
 * row every `intervalMs` with the current in-flight count, so
 * `TaskStore.listWorkers` (and `GET /workers`) shows it with its heartbeat
 * age. A failed heartbeat is logged and the next tick tries again: the
 * registry never stops or crashes the worker. Resolves after the first
 * heartbeat was tried.
 */
export async function startWorkerRegistration(options: WorkerRegistrationOptions): Promise<WorkerRegistration> {
  const { store, worker } = options;
  const id = options.id ?? newWorkerId();
  const intervalMs = options.intervalMs ?? REGISTRY_HEARTBEAT_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`intervalMs must be a whole number >= 1, got ${intervalMs}`);
  const log = options.log ?? defaultLogger().child({ component: "registry" });
  const startedAt = new Date();
  const taskTypes = [...options.taskTypes].sort();
  let stopped = false;
  /** The heartbeat in flight, if any: a tick never overlaps the previous one, and stop waits for it. */
  let inFlight: Promise<void> | undefined;
  /** Whether the last heartbeat failed: a failure is logged once, and its recovery once. */
  let failing = false;

  const beat = async (): Promise<void> => {
    try {
      await store.upsertWorker({
        id,
        name: options.name,
        hostname: hostname(),
        pid: process.pid,
        queues: worker.queues,
        taskTypes,
        concurrency: options.concurrency,
        inFlight: worker.running,
        startedAt,
        heartbeatMs: intervalMs,
      });
      if (failing) log.info({ workerId: id }, "registry heartbeat works again");
      failing = false;
    } catch (e) {
      if (!failing) log.warn({ workerId: id, err: e }, `registry heartbeat failed; will retry every ${intervalMs} ms`);
      failing = true;
    }
  };
  const tick = (): void => {
    if (stopped || inFlight) return;
    inFlight = beat().finally(() => {
      inFlight = undefined;
    });
  };

  tick();
  await inFlight;
  const timer = setInterval(tick, intervalMs);
  // The heartbeat alone must not keep a process alive.
  timer.unref();

  let stopping: Promise<void> | undefined;
  return {
    id,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(timer);
        // A heartbeat still in flight would write the row again after the delete.
        if (inFlight) await checkWithin(() => inFlight ?? Promise.resolve(), STOP_TIMEOUT_MS);
        const removed = await checkWithin(() => store.removeWorker(id), STOP_TIMEOUT_MS);
        if (removed !== "ok") log.warn({ workerId: id }, `could not remove the worker from the registry (${removed}); it shows as not alive until it ages out`);
      })();
      return stopping;
    },
  };
}

/**
 * Starts the registration of a started `worker` (see
 * {@link startWorkerRegistration}) and chains it to the worker's `stop()`:
 * the heartbeats go on while running tasks finish (the in-flight count
 * falls), and once the worker has stopped, its row is deleted.
 */
export async function registerWorker(worker: Worker, options: Omit<WorkerRegistrationOptions, "worker">): Promise<WorkerRegistration> {
  const registration = await startWorkerRegistration({ ...options, worker });
  const stopWorker = worker.stop.bind(worker);
  worker.stop = async () => {
    try {
      await stopWorker();
    } finally {
      await registration.stop();
    }
  };
  return registration;
}
