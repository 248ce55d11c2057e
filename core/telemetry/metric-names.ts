/*
 * Buckets and label names shared by the server's metrics (server/metrics) and
 * the worker's (worker/metrics). Every metric name there starts with
 * `tstasks_`, and every label is bounded (task type, queue, RPC or route
 * template, code); README's metric list names them all.
 */

/** Histogram buckets in seconds for task latencies, from a millisecond to ten minutes. */
export const TASK_LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
] as const;

/** Histogram buckets in seconds for request durations, from half a millisecond to a minute (long polls and streams land high). */
export const REQUEST_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Label names of the per-task metrics. */
export const TASK_LABELS = ["type", "queue"] as const;
