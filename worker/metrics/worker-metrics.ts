import type { Registry } from "prom-client";
import { CounterFamily, HistogramFamily, type CounterSeries, type HistogramSeries } from "../../core/telemetry/metric-families.js";
import { TASK_LABELS, TASK_LATENCY_BUCKETS } from "../../core/telemetry/metric-names.js";
import { PerTaskType } from "../../core/telemetry/per-task-type.js";

/** The series of one task type (and its queue) that a worker records into. */
export interface WorkerTypeSeries {
  started: CounterSeries;
  succeeded: CounterSeries;
  failed: CounterSeries;
  retried: CounterSeries;
  queueWait: HistogramSeries;
  runTime: HistogramSeries;
  submitToFinal: HistogramSeries;
}

/** The worker's metric families, and its series per task type. */
export interface WorkerMetrics {
  /** The series of a type and queue, made on first use, then cached. */
  of(type: string, queue: string): WorkerTypeSeries;
  queueWait: HistogramFamily;
  runTime: HistogramFamily;
  submitToFinal: HistogramFamily;
}

const byRegistry = new WeakMap<Registry, WorkerMetrics>();

/**
 * The worker metrics of `registry`, registered on first use: the counters
 * `tstasks_tasks_{started,succeeded,failed,retried}_total` and the histograms
 * `tstasks_task_queue_wait_seconds`, `tstasks_task_run_seconds` and
 * `tstasks_task_submit_to_final_seconds`, all labelled `type` and `queue`.
 * Workers sharing a registry share (add up in) these metrics.
 */
export function workerMetrics(registry: Registry): WorkerMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = createWorkerMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const counter = (name: string, help: string) => new CounterFamily(registry, { name, help, labelNames: TASK_LABELS });
  const histogram = (name: string, help: string) =>
    new HistogramFamily(registry, { name, help, labelNames: TASK_LABELS, buckets: TASK_LATENCY_BUCKETS });
  const started = counter("tstasks_tasks_started_total", "Attempts a worker started running.");
  const succeeded = counter("tstasks_tasks_succeeded_total", "Tasks a worker recorded as SUCCESS.");
  const failed = counter("tstasks_tasks_failed_total", "Tasks a worker recorded as FAILURE (a task error, its time limit, WorkerLost, PermissionDenied, NoWorkerForType).");
  const retried = counter("tstasks_tasks_retried_total", "Failed attempts a worker recorded as RETRY (another attempt follows after the backoff).");
  const queueWait = histogram("tstasks_task_queue_wait_seconds", "First attempts: from the task's creation (or its run_at) to the start of its run.");
  const runTime = histogram("tstasks_task_run_seconds", "Attempts: time the task's function ran.");
  const submitToFinal = histogram("tstasks_task_submit_to_final_seconds", "Tasks a worker ended (SUCCESS or FAILURE): from creation to the outcome's write.");
  const perType = new PerTaskType<WorkerTypeSeries>((type, queue) => ({
    started: started.series(type, queue),
    succeeded: succeeded.series(type, queue),
    failed: failed.series(type, queue),
    retried: retried.series(type, queue),
    queueWait: queueWait.series(type, queue),
    runTime: runTime.series(type, queue),
    submitToFinal: submitToFinal.series(type, queue),
  }));
  return { of: (type, queue) => perType.get(type, queue), queueWait, runTime, submitToFinal };
}
