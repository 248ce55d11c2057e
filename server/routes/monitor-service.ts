import type { ServiceImpl } from "@connectrpc/connect";
import type { MonitorService } from "../../gen/tstasks/v1/monitor_service_pb.js";
import type { TaskStore } from "../../core/store/task-store.js";
import { MAX_STATS_BUCKETS, MAX_STATS_WINDOW_SECONDS } from "../../core/store/task-stats.js";
import { requireCaller, type CallerResolver } from "../access/caller.js";
import { isAdmin } from "../auth/principal.js";
import { RequestInvalidError } from "../errors/domain-errors.js";
import { queueStatsToProto, statsBucketToProto, workerToProto } from "./monitor-to-proto.js";

/** `window_seconds` when the request leaves it 0. */
export const DEFAULT_STATS_WINDOW_SECONDS = 600;
/** `bucket_seconds` when the request leaves it 0. */
export const DEFAULT_STATS_BUCKET_SECONDS = 10;

/** What the monitor service needs. */
export interface MonitorServiceDeps {
  store: Pick<TaskStore, "listWorkers" | "taskStats" | "queueStats">;
  /** Who is calling: every method needs a token. */
  caller: CallerResolver;
}

/**
 * The `tstasks.v1.MonitorService` implementation: handlers take `(req, ctx)`
 * and return init objects, throwing domain errors mapped in one place
 * (with-error-mapping.ts); the REST layer serves the same object at
 * `GET /workers` and `GET /stats`.
 *
 * - Every method needs a token (401 without one).
 * - ListWorkers: any signed-in user sees every worker (workers belong to no user).
 * - GetTaskStats: admins get the figures of all tasks, other users those of
 *   their own (tasks submitted with their `sub`), both for the buckets and
 *   the queue depths. `window_seconds` 0 means 600 and may be at most 3600;
 *   `bucket_seconds` 0 means 10; the window may hold at most 720 buckets.
 *   Anything else is InvalidArgument naming the field.
 */
export function createMonitorService(deps: MonitorServiceDeps): ServiceImpl<typeof MonitorService> {
  const { store, caller } = deps;
  return {
    async listWorkers(_req, ctx) {
      await requireCaller(caller, ctx, "listing workers needs a token");
      return { workers: (await store.listWorkers()).map(workerToProto) };
    },

    async getTaskStats(req, ctx) {
      const who = await requireCaller(caller, ctx, "task statistics need a token");
      const windowSeconds = req.windowSeconds || DEFAULT_STATS_WINDOW_SECONDS;
      const bucketSeconds = req.bucketSeconds || DEFAULT_STATS_BUCKET_SECONDS;
      checkStatsWindow(windowSeconds, bucketSeconds);
      const owner = isAdmin(who) ? undefined : who.sub;
      const [stats, queues] = await Promise.all([store.taskStats({ windowSeconds, bucketSeconds, owner }), store.queueStats({ owner })]);
      return {
        buckets: stats.buckets.map(statsBucketToProto),
        queues: queues.map(queueStatsToProto),
        windowSeconds,
        bucketSeconds,
      };
    },
  };
}

/** Refuses a window longer than an hour, or one of more than 720 buckets, with a message saying what to change. */
function checkStatsWindow(windowSeconds: number, bucketSeconds: number): void {
  if (windowSeconds > MAX_STATS_WINDOW_SECONDS) {
    throw new RequestInvalidError(`window_seconds must be at most ${MAX_STATS_WINDOW_SECONDS}, got ${windowSeconds}`, {
      window_seconds: `must be at most ${MAX_STATS_WINDOW_SECONDS} (one hour)`,
    });
  }
  const buckets = Math.ceil(windowSeconds / bucketSeconds);
  if (buckets > MAX_STATS_BUCKETS) {
    throw new RequestInvalidError(
      `a window of ${windowSeconds} s in buckets of ${bucketSeconds} s makes ${buckets} buckets, more than ${MAX_STATS_BUCKETS}: ` +
        `use bucket_seconds of at least ${Math.ceil(windowSeconds / MAX_STATS_BUCKETS)}`,
      { bucket_seconds: `must be at least ${Math.ceil(windowSeconds / MAX_STATS_BUCKETS)} for a window of ${windowSeconds} s (at most ${MAX_STATS_BUCKETS} buckets)` },
    );
  }
}
