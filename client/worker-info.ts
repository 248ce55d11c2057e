import type { Worker } from "../gen/tstasks/v1/monitor_service_pb.js";
import { optionalDate } from "./task-info.js";

/** A worker process registered with the server's store, as `workers()` (`GET /workers`) lists it. */
export interface WorkerInfo {
  /** Unique per process and start: `<hostname>-<pid>-<random>`. */
  id: string;
  /** The name it records on the tasks it runs (`TaskInfo.worker`, `WORKER_NAME`). */
  name: string;
  hostname: string;
  pid: number;
  /** The queues it consumes. */
  queues: string[];
  /** The task types it serves. */
  taskTypes: string[];
  /** Its run slots (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** Tasks running at its last heartbeat. */
  inFlight: number;
  startedAt?: Date;
  heartbeatAt?: Date;
  /** Seconds since its last heartbeat, by the server's store clock. */
  heartbeatAgeSeconds: number;
  /** True while its heartbeats arrive (the last one younger than three heartbeat intervals). */
  alive: boolean;
}

/** Converts a `tstasks.v1.Worker` message into a {@link WorkerInfo}. */
export function workerFromProto(w: Worker): WorkerInfo {
  const info: WorkerInfo = {
    id: w.id,
    name: w.name,
    hostname: w.hostname,
    pid: w.pid,
    queues: [...w.queues],
    taskTypes: [...w.taskTypes],
    concurrency: w.concurrency,
    inFlight: w.inFlight,
    heartbeatAgeSeconds: w.heartbeatAgeSeconds,
    alive: w.alive,
  };
  for (const key of ["startedAt", "heartbeatAt"] as const) {
    const date = optionalDate(w[key]);
    if (date) info[key] = date;
  }
  return info;
}
