/**
 * What a worker process tells the store about itself at start and at every
 * registry heartbeat (see {@link TaskStore.upsertWorker}). The store stamps
 * the heartbeat with its own clock.
 */
export interface WorkerHeartbeat {
  /** Unique per process and start, e.g. `<hostname>-<pid>-<random>`. */
  id: string;
  /** The name recorded on the attempts it runs (`WORKER_NAME`). */
  name: string;
  hostname: string;
  pid: number;
  /** The queues it consumes. */
  queues: readonly string[];
  /** The task types it serves. */
  taskTypes: readonly string[];
  /** Its run slots (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** Attempts running at this heartbeat. */
  inFlight: number;
  /** When the process started working. */
  startedAt: Date;
  /**
   * How often it heartbeats, in ms (at least 1): a worker is alive while its
   * last heartbeat is younger than three of these.
   */
  heartbeatMs: number;
}

/** A registered worker as {@link TaskStore.listWorkers} reports it. */
export interface WorkerRecord extends Omit<WorkerHeartbeat, "queues" | "taskTypes"> {
  queues: string[];
  taskTypes: string[];
  /** Its last heartbeat, by the store's clock. */
  heartbeatAt: Date;
  /** Seconds since the last heartbeat, by the store's clock. */
  heartbeatAgeSeconds: number;
  /** True while the last heartbeat is younger than three heartbeat intervals. */
  alive: boolean;
}

/**
 * How long a worker that stopped heartbeating (it died without removing
 * itself) stays listed: {@link TaskStore.listWorkers} leaves out rows older
 * than this, and {@link TaskStore.upsertWorker} deletes them.
 */
export const WORKER_LIST_HORIZON_MS = 3_600_000;
