import type { Registry } from "prom-client";
import { CounterFamily } from "../../core/telemetry/metric-families.js";
import { TASK_LABELS } from "../../core/telemetry/metric-names.js";
import { PerTaskType } from "../../core/telemetry/per-task-type.js";

/** The task counters the server keeps (the run outcomes are counted by workers). */
export interface ServerTaskCounters {
  /** A task was stored (not for a repeated idempotency key, which stores nothing). */
  submitted(type: string, queue: string): void;
  /** A task was revoked (CancelTask moved it to REVOKED). */
  revoked(type: string, queue: string): void;
}

/**
 * Registers `tstasks_tasks_submitted_total` and `tstasks_tasks_revoked_total`
 * (labels `type`, `queue`) in `registry`. Series are cached per task type,
 * so counting a task is a Map lookup and an addition.
 */
export function createServerTaskCounters(registry: Registry): ServerTaskCounters {
  const submitted = new CounterFamily(registry, {
    name: "tstasks_tasks_submitted_total",
    help: "Tasks stored by the server (a repeated idempotency key stores none).",
    labelNames: TASK_LABELS,
  });
  const revoked = new CounterFamily(registry, {
    name: "tstasks_tasks_revoked_total",
    help: "Tasks revoked through CancelTask (POST /task/{id}/cancel).",
    labelNames: TASK_LABELS,
  });
  const submittedOf = new PerTaskType((type, queue) => submitted.series(type, queue));
  const revokedOf = new PerTaskType((type, queue) => revoked.series(type, queue));
  return {
    submitted: (type, queue) => void submittedOf.get(type, queue).value++,
    revoked: (type, queue) => void revokedOf.get(type, queue).value++,
  };
}
