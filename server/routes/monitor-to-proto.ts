import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { QueueStatsSchema, TaskStatsBucketSchema, WorkerSchema } from "../../gen/tstasks/v1/monitor_service_pb.js";
import type { QueueStats, TaskStatsBucket } from "../../core/store/task-stats.js";
import type { WorkerRecord } from "../../core/store/worker-record.js";

/** A registered worker as a `tstasks.v1.Worker` init object. */
export function workerToProto(w: WorkerRecord): MessageInitShape<typeof WorkerSchema> {
  return {
    id: w.id,
    name: w.name,
    hostname: w.hostname,
    pid: w.pid,
    queues: w.queues,
    taskTypes: w.taskTypes,
    concurrency: w.concurrency,
    inFlight: w.inFlight,
    startedAt: timestampFromDate(w.startedAt),
    heartbeatAt: timestampFromDate(w.heartbeatAt),
    heartbeatAgeSeconds: w.heartbeatAgeSeconds,
    alive: w.alive,
  };
}

/** One bucket of the store's statistics as a `tstasks.v1.TaskStatsBucket` init object. */
export function statsBucketToProto(b: TaskStatsBucket): MessageInitShape<typeof TaskStatsBucketSchema> {
  return {
    start: timestampFromDate(b.start),
    submitted: BigInt(b.submitted),
    succeeded: BigInt(b.succeeded),
    failed: BigInt(b.failed),
    latencyP50Ms: b.latencyP50Ms,
    latencyP95Ms: b.latencyP95Ms,
    waitP50Ms: b.waitP50Ms,
  };
}

/** One queue's depth as a `tstasks.v1.QueueStats` init object. */
export function queueStatsToProto(q: QueueStats): MessageInitShape<typeof QueueStatsSchema> {
  return {
    queue: q.queue,
    waiting: BigInt(q.waiting),
    running: BigInt(q.running),
    oldestWaitingSeconds: q.oldestWaitingSeconds,
  };
}
