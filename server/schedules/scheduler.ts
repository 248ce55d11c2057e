import { randomUUID } from "node:crypto";
import type { TaskQueue } from "../../core/queue/task-queue.js";
import { planFiring, MISSED_TICK_GRACE_MS } from "../../core/schedule/firing-plan.js";
import type { ScheduleFiring, ScheduleRecord } from "../../core/store/schedule-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import { defaultLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";
import { publishWithSpans } from "../../core/telemetry/task-spans.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import type { ServerTaskCounters } from "../metrics/task-counters.js";
import { timingOf } from "./schedule-timing-of.js";
import type { TaskTypeRecord } from "../../core/store/task-type-record.js";

/** How long the scheduler uses the task types it read before reading them again (when a schedule is due). */
const TYPES_MAX_AGE_MS = 10_000;

/** Options of {@link startScheduler}. */
export interface SchedulerOptions {
  /** How often due schedules are looked for, in ms (SCHEDULER_INTERVAL_MS). Default 1000. */
  intervalMs?: number;
  /** Most schedules fired per transaction; a full round is followed by another at once. Default 100. */
  batchSize?: number;
  /** A tick handled later than this counts as missed (see planFiring). Default MISSED_TICK_GRACE_MS (5 s). */
  graceMs?: number;
  /** Where failed rounds are logged (warn). Default: the root logger as component `scheduler`. */
  log?: Logger;
  /** Counts the tasks submitted. Default: not counted. */
  counters?: Pick<ServerTaskCounters, "submitted">;
}

/** A running scheduler; `stop()` resolves once no round is in flight. */
export interface Scheduler {
  stop(): Promise<void>;
}

/** The idempotency key of the task a schedule submits for one tick: a second guard against a double submit, and its origin. */
export function scheduleTaskKey(scheduleId: string, tick: Date): string {
  return `schedule:${scheduleId}:${tick.toISOString()}`;
}

/**
 * Submits the tasks of due schedules, every `intervalMs`. Each round claims
 * due schedules in the store (rows another server holds are skipped, so
 * with several servers every tick is fired once), decides each with
 * planFiring (catch-up of missed ticks), inserts the tasks in the same
 * transaction as the schedules' next ticks, then publishes them; a publish
 * that fails is left to the outbox dispatcher. A schedule whose task type
 * is no longer in the catalog skips its tick (logged). Safe to run in every
 * server at once.
 */
export function startScheduler(store: TaskStore, queue: TaskQueue, catalog: TaskCatalog, options: SchedulerOptions = {}): Scheduler {
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const graceMs = options.graceMs ?? MISSED_TICK_GRACE_MS;
  const log = options.log ?? defaultLogger().child({ component: "scheduler" });

  // The task types as last read. The fire callback runs inside the store's transaction and must not
  // query the store itself: PGlite has one session, which the transaction holds (it would wait forever).
  let types = new Map<string, TaskTypeRecord>();
  let typesReadAt = 0;
  const readTypes = async (): Promise<void> => {
    types = new Map((await catalog.list()).map((t) => [t.name, t]));
    typesReadAt = Date.now();
  };

  /** Decides the due schedules; a type missing from `types` leaves its schedule untouched (`missing`) unless `fresh`. */
  const fire = (due: ScheduleRecord[], now: Date, fresh: boolean, missing: { any: boolean }): ScheduleFiring[] => {
    const firings: ScheduleFiring[] = [];
    for (const s of due) {
      const plan = planFiring(timingOf(s), s.catchUp, s.nextRunAt ?? now, now, graceMs);
      let task: ScheduleFiring["task"] = null;
      if (plan.fireFor) {
        const type = types.get(s.type);
        if (!type && !fresh) {
          // Read the types again after this transaction, then decide this schedule.
          missing.any = true;
          firings.push({ id: s.id, nextRunAt: s.nextRunAt ?? plan.nextRunAt, task: null });
          continue;
        }
        if (!type) log.warn({ scheduleId: s.id, type: s.type }, "schedule tick skipped: its task type is not registered");
        else {
          task = {
            id: randomUUID(),
            type: s.type,
            queue: type.queue,
            args: s.args,
            owner: s.owner,
            permission: type.protected ? s.permission : null,
            maxRetries: s.maxRetries,
            timeoutMs: s.timeoutMs,
            runAt: null,
            expiresAt: null,
            idempotencyKey: scheduleTaskKey(s.id, plan.fireFor),
            // A schedule's tasks run at their type's priority.
            priority: type.priority,
          };
        }
      }
      firings.push({ id: s.id, nextRunAt: plan.nextRunAt, task });
    }
    return firings;
  };

  const round = async (): Promise<void> => {
    let fresh = false;
    for (;;) {
      let claimed = 0;
      const missing = { any: false };
      const fired = await store.fireDueSchedules(batchSize, async (due, now) => {
        claimed = due.length;
        return fire(due, now, fresh, missing);
      });
      for (const f of fired) options.counters?.submitted(f.task.type, f.task.queue);
      if (fired.length > 0) {
        try {
          await publishWithSpans(queue, fired.map((f) => f.task));
          await store.markPublished(fired.map((f) => f.task.id));
        } catch (e) {
          log.warn({ err: e, tasks: fired.length }, "scheduled tasks stored but not queued yet (the outbox dispatcher will)");
        }
      }
      // Types read long ago may name an old queue: read them again for the next round.
      if (missing.any || (claimed > 0 && !fresh && Date.now() - typesReadAt > TYPES_MAX_AGE_MS)) {
        await readTypes();
        fresh = true;
        if (missing.any) continue;
      }
      if (claimed < batchSize) return;
    }
  };

  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = round()
      .catch((e: unknown) => log.warn({ err: e }, "firing due schedules failed; will retry"))
      .finally(() => {
        inFlight = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
