import { performance } from "node:perf_hooks";
import type { Span } from "@opentelemetry/api";
import type { Registry } from "prom-client";
import type { TaskMessage } from "../../core/queue/task-message.js";
import type { TaskOutcome } from "../../core/store/task-record.js";
import { endSpan, SPAN_ATTRIBUTES, startResultWriteSpan, startRunSpan, withActiveSpan } from "../../core/telemetry/task-spans.js";
import type { RunOutcome } from "../run-task.js";
import { workerMetrics, type WorkerMetrics, type WorkerTypeSeries } from "./worker-metrics.js";

/** One running attempt as metrics and traces see it; from {@link WorkerObserver.runStarted}. */
export interface AttemptObservation {
  /** Calls `fn` (the task's function) with the attempt's `run` span active, when tracing. */
  within<T>(fn: () => T): T;
  /** The task's function returned (undefined: it was abandoned): observes the run time and ends the `run` span. */
  ran(outcome: RunOutcome | undefined): void;
  /**
   * Returns `write` (the outcome's store write, resolving with whether it
   * applied), inside a `result write` span (a child of `run`) when tracing.
   */
  writing<T>(write: Promise<T>, status: TaskOutcome["status"]): Promise<T>;
}

/** A worker's hooks for metrics and traces; see {@link createWorkerObserver}. */
export interface WorkerObserver {
  /** A claimed attempt starts its task's function now. */
  runStarted(message: TaskMessage, record: { createdAt: Date; runAt: Date | null }, attempt: number): AttemptObservation;
  /**
   * The store applied an outcome of a task of this message: counts it; a
   * final one (SUCCESS, FAILURE) of an observed attempt also records the
   * time from submit to now.
   */
  recorded(message: TaskMessage, status: TaskOutcome["status"], observed?: AttemptObservation): void;
  /** `observed.writing(write, status)`, or `write` itself for an outcome of no observed attempt. */
  writing<T>(observed: AttemptObservation | undefined, write: Promise<T>, status: TaskOutcome["status"]): Promise<T>;
}

/** Options of {@link createWorkerObserver}. */
export interface WorkerObserverOptions {
  /** Where the worker's metrics go (see workerMetrics); undefined: none are kept. */
  registry?: Registry;
  /** The worker's name, on its `run` spans. */
  worker: string;
}

/**
 * The observer of one worker. Without a registry and with tracing off it
 * does nothing and allocates nothing per attempt; with a registry, an attempt
 * costs one small object, Map lookups and additions (no label objects, no
 * awaits); spans only when tracing is on.
 */
export function createWorkerObserver(options: WorkerObserverOptions): WorkerObserver {
  const metrics = options.registry === undefined ? undefined : workerMetrics(options.registry);
  return {
    runStarted(message, record, attempt) {
      const span = startRunSpan(message, attempt, options.worker);
      if (metrics === undefined && span === undefined) return NOT_OBSERVED;
      const series = metrics?.of(message.type, message.queue);
      if (series !== undefined && metrics !== undefined) {
        series.started.value++;
        // Later attempts waited for their backoff, not for a worker: only the first counts as queue wait.
        if (attempt === 1) metrics.queueWait.observe(series.queueWait, Math.max(0, Date.now() - (record.runAt ?? record.createdAt).getTime()) / 1000);
      }
      return new Attempt(metrics, series, span, message.id, record.createdAt.getTime());
    },
    recorded(message, status, observed) {
      if (metrics === undefined) return;
      const attempt = observed instanceof Attempt ? observed : undefined;
      const series = attempt?.series ?? metrics.of(message.type, message.queue);
      if (status === "RETRY") {
        series.retried.value++;
        return;
      }
      if (status === "SUCCESS") series.succeeded.value++;
      else series.failed.value++;
      if (attempt !== undefined) metrics.submitToFinal.observe(series.submitToFinal, Math.max(0, Date.now() - attempt.createdAtMs) / 1000);
    },
    writing: (observed, write, status) => (observed === undefined ? write : observed.writing(write, status)),
  };
}

class Attempt implements AttemptObservation {
  readonly #metrics: WorkerMetrics | undefined;
  readonly series: WorkerTypeSeries | undefined;
  readonly #span: Span | undefined;
  readonly #taskId: string;
  readonly createdAtMs: number;
  readonly #startedAt = performance.now();

  constructor(metrics: WorkerMetrics | undefined, series: WorkerTypeSeries | undefined, span: Span | undefined, taskId: string, createdAtMs: number) {
    this.#metrics = metrics;
    this.series = series;
    this.#span = span;
    this.#taskId = taskId;
    this.createdAtMs = createdAtMs;
  }

  within<T>(fn: () => T): T {
    return this.#span === undefined ? fn() : withActiveSpan(this.#span, fn);
  }

  ran(outcome: RunOutcome | undefined): void {
    if (this.series !== undefined) this.#metrics?.runTime.observe(this.series.runTime, (performance.now() - this.#startedAt) / 1000);
    const span = this.#span;
    if (span === undefined) return;
    if (outcome === undefined) endSpan(span, new Error("abandoned: the task did not stop after its signal"));
    else if (!outcome.ok) endSpan(span, Object.assign(new Error(outcome.error.message), { name: outcome.error.type }));
    else span.end();
  }

  writing<T>(write: Promise<T>, status: TaskOutcome["status"]): Promise<T> {
    if (this.#span === undefined) return write;
    const span = startResultWriteSpan(this.#span, this.#taskId, status);
    return write.then(
      (applied) => {
        span.setAttribute(SPAN_ATTRIBUTES.applied, applied === true);
        span.end();
        return applied;
      },
      (error: unknown) => {
        endSpan(span, error);
        throw error;
      },
    );
  }
}

/** The observation of an attempt when nothing is observed. */
const NOT_OBSERVED: AttemptObservation = {
  within: (fn) => fn(),
  ran: () => {},
  writing: (write) => write,
};
