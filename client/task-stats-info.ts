import type { GetTaskStatsResponse } from "../gen/tstasks/v1/monitor_service_pb.js";
import { optionalDate } from "./task-info.js";

/** Tasks of one time bucket of {@link TaskStatsInfo}. */
export interface TaskStatsBucketInfo {
  /** Start of the bucket; it spans `bucketSeconds`. */
  start: Date;
  /** Tasks created in the bucket. */
  submitted: number;
  /** Tasks that ended SUCCESS in the bucket. */
  succeeded: number;
  /** Tasks that ended FAILURE or REVOKED in the bucket. */
  failed: number;
  /** Of the tasks that ended in the bucket: submit to end in ms, 50th and 95th percentiles (0 when none ended). */
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** Of the tasks that started in the bucket: submit (or run_at) to start in ms, 50th percentile (0 when none started). */
  waitP50Ms: number;
}

/** One queue now, in {@link TaskStatsInfo}. */
export interface QueueStatsInfo {
  queue: string;
  /** Tasks due and waiting for a worker. */
  waiting: number;
  /** Tasks running now. */
  running: number;
  /** Age of the oldest waiting task in seconds; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** What `stats()` (`GET /stats`) answers: the caller's tasks (admins: all) over the window, and the queues now. */
export interface TaskStatsInfo {
  windowSeconds: number;
  bucketSeconds: number;
  /** Oldest first, covering the whole window; the last one holds now. */
  buckets: TaskStatsBucketInfo[];
  /** One per queue with waiting or running tasks, by name. */
  queues: QueueStatsInfo[];
}

/** Converts a `GetTaskStatsResponse` into a {@link TaskStatsInfo} (counts as numbers). */
export function taskStatsFromProto(r: GetTaskStatsResponse): TaskStatsInfo {
  return {
    windowSeconds: r.windowSeconds,
    bucketSeconds: r.bucketSeconds,
    buckets: r.buckets.map((b) => {
      return {
        // A server always sets it; the epoch stands in for a missing one rather than widening the type.
        start: optionalDate(b.start) ?? new Date(0),
        submitted: Number(b.submitted),
        succeeded: Number(b.succeeded),
        failed: Number(b.failed),
        latencyP50Ms: b.latencyP50Ms,
        latencyP95Ms: b.latencyP95Ms,
        waitP50Ms: b.waitP50Ms,
      };
    }),
    queues: r.queues.map((q) => ({
      queue: q.queue,
      waiting: Number(q.waiting),
      running: Number(q.running),
      oldestWaitingSeconds: q.oldestWaitingSeconds,
    })),
  };
}
