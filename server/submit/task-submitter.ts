import { createBatcher } from "../../core/batch/batcher.js";
import type { TaskQueue } from "../../core/queue/task-queue.js";
import type { InsertedTask, NewTask, TaskRecord } from "../../core/store/task-record.js";
import type { Context } from "@opentelemetry/api";
import { activeTraceParent, publishWithSpans, runInSpan, startSubmitSpan, type TracedSource } from "../../core/telemetry/task-spans.js";
import type { ServerTaskCounters } from "../metrics/task-counters.js";
import type { TaskStore } from "../../core/store/task-store.js";
import { queueingDedupId } from "../../core/queue/queueing-dedup-id.js";
import { defaultLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";
import { taskFields } from "../../core/log/task-fields.js";

/** Stores and queues accepted tasks. */
export interface TaskSubmitter {
  /**
   * Commits the task row (the transactional outbox), then publishes its
   * message and records that it did; a task due more than a second later is
   * left to the outbox dispatcher, which publishes it when it is due. Resolves once the row is committed and
   * the publish was tried, with the stored id and creation time (for a
   * repeated idempotency key: the earlier task's; nothing is stored or
   * queued). If publishing fails the task is still accepted: the outbox
   * dispatcher publishes it when the queue is back.
   */
  submit(task: NewTask): Promise<InsertedTask>;

  /**
   * Publishes the message of a task the store already moved back to PENDING
   * (a retry), under the deduplication id of this queueing (see
   * queueingDedupId), which the outbox dispatcher would use too: if the
   * publish fails, the dispatcher publishes it later, and if both do, the
   * queue keeps one.
   */
  requeue(task: TaskRecord): Promise<void>;
}

/** A task due later than this after its submit is held in the store instead of published at once. */
const HOLD_AFTER_MS = 1000;

/**
 * Creates a submitter that batches concurrent submissions: one multi-row
 * insert and one pipelined publish per batch instead of a round trip each.
 * With `counters`, every stored task counts as submitted. With tracing on,
 * each submit is a `submit` span (a child of the request's context) and
 * each message's `publish` span is its child (see publishWithSpans).
 */
export function createTaskSubmitter(store: TaskStore, queue: TaskQueue, counters?: ServerTaskCounters, log?: Logger): TaskSubmitter {
  // A failed publish is logged (warn) and left to the outbox dispatcher.
  const logger = log ?? defaultLogger().child({ component: "server" });
  const insert = createBatcher<NewTask, InsertedTask>((tasks) => store.insertTasks(tasks));
  const publish = createBatcher<TracedSource, void>(async (tasks) => {
    await publishWithSpans(queue, tasks);
    return tasks.map(() => undefined);
  });
  // Recording publication is off the request path: if it fails, the dispatcher
  // publishes the row again later and the queue's deduplication drops the copy.
  const markPublished = createBatcher<string, void>(async (ids) => {
    await store.markPublished(ids);
    return ids.map(() => undefined);
  });
  const published = (id: string): void => {
    markPublished(id).catch((e: unknown) => logger.warn({ taskId: id, err: e }, "could not record that the task was queued (the dispatcher may queue it again; the queue drops the copy)"));
  };

  const submitTask = async (task: NewTask, traceParent?: Context): Promise<InsertedTask> => {
    // A task due later stays in the store until then: the dispatcher publishes it when it is due. Its
    // message would otherwise go round as delayed naks, each holding one of the queue's ack-pending slots.
    const hold = task.runAt != null && task.runAt.getTime() - Date.now() > HOLD_AFTER_MS;
    const inserted = await insert({ ...task, hold });
    if (!inserted.existing) counters?.submitted(task.type, task.queue);
    // A repeated idempotency key: the earlier task was queued when it was submitted.
    if (inserted.existing || hold) return inserted;
    try {
      // The batch runs outside this call's context: the submit span goes with the message.
      await publish(traceParent === undefined ? task : { ...task, traceParent });
      published(task.id);
    } catch (error) {
      // Accepted all the same: the row is committed, and the outbox dispatcher publishes it when the queue is back.
      logger.warn({ ...taskFields(task.id, task.type), err: error }, "task stored but not queued yet (the dispatcher will retry)");
    }
    return inserted;
  };

  return {
    submit(task) {
      const span = startSubmitSpan(task);
      return span === undefined ? submitTask(task) : runInSpan(span, (spanContext) => submitTask(task, spanContext));
    },
    async requeue(task) {
      try {
        await publish({ ...task, dedupId: queueingDedupId(task), traceParent: activeTraceParent() });
        published(task.id);
      } catch (error) {
        logger.warn({ ...taskFields(task.id, task.type), err: error }, "task requeued but not queued yet (the dispatcher will retry)");
      }
    },
  };
}
