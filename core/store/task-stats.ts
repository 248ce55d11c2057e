/** Longest window {@link TaskStore.taskStats} covers, in seconds (one hour). */
export const MAX_STATS_WINDOW_SECONDS = 3600;

/** Most buckets one {@link TaskStore.taskStats} answer holds. */
export const MAX_STATS_BUCKETS = 720;

/** What {@link TaskStore.taskStats} summarises. */
export interface TaskStatsQuery {
  /** How far back from now, in seconds: a whole number in 1..{@link MAX_STATS_WINDOW_SECONDS}. */
  windowSeconds: number;
  /**
   * Width of one bucket in seconds: a whole number of at least 1, with at
   * most {@link MAX_STATS_BUCKETS} buckets in the window.
   */
  bucketSeconds: number;
  /** Only tasks submitted by this `sub`; omit for all tasks. */
  owner?: string;
}

/** Tasks of one time bucket of {@link TaskStats}. */
export interface TaskStatsBucket {
  /** Start of the bucket (a multiple of the bucket width since the epoch); it spans `bucketSeconds`. */
  start: Date;
  /** Tasks created in the bucket. */
  submitted: number;
  /** Tasks that ended SUCCESS in the bucket. */
  succeeded: number;
  /** Tasks that ended FAILURE or REVOKED in the bucket. */
  failed: number;
  /** Of the tasks that ended in the bucket: created → finished, ms, 50th percentile; 0 when none ended. */
  latencyP50Ms: number;
  /** The same, 95th percentile. */
  latencyP95Ms: number;
  /**
   * Of the tasks whose latest attempt started in the bucket: the later of
   * created and run_at → started, ms, 50th percentile; 0 when none started.
   */
  waitP50Ms: number;
}

/** The answer of {@link TaskStore.taskStats}. */
export interface TaskStats {
  /**
   * Oldest first, `ceil(windowSeconds / bucketSeconds)` of them, aligned to
   * the bucket width; the last one holds the store's now.
   */
  buckets: TaskStatsBucket[];
  windowSeconds: number;
  bucketSeconds: number;
}

/** One queue now, as {@link TaskStore.queueStats} reports it. */
export interface QueueStats {
  queue: string;
  /** Tasks waiting for a worker: PENDING whose run_at (if any) has come, and RETRY. */
  waiting: number;
  /** Tasks a worker runs now (STARTED). */
  running: number;
  /** Age of the oldest waiting task in seconds, by the store's clock; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** Filter of {@link TaskStore.queueStats}. */
export interface QueueStatsQuery {
  /** Only tasks submitted by this `sub`; omit for all tasks. */
  owner?: string;
}

/**
 * How long before a {@link TaskStore.taskStats} window the tasks it reads
 * may have been created, in seconds (one hour): a task that ends or starts
 * in the window is counted when it was submitted at most this long before
 * the window began. The statistics read every task created since then
 * (there is no index on finished_at, which every result would pay for), so
 * a longer lookback costs every call more.
 */
export const STATS_LOOKBACK_SECONDS = 3600;
