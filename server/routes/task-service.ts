import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { kClientAddress, requireCaller, type CallerResolver } from "../access/caller.js";
import { maySee } from "../access/ownership.js";
import { isAdmin, type Principal } from "../auth/principal.js";
import type { RateLimit } from "../auth/rate-limit.js";
import type { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import type { TaskSubmitter } from "../submit/task-submitter.js";
import { RequestInvalidError, TaskNotFoundError, TaskStateConflictError } from "../errors/domain-errors.js";
import { buildNewTask, type SubmissionRules } from "./build-new-task.js";
import { checkBatchSize, submitTaskBatch } from "./submit-task-batch.js";
import { submittedTask } from "./submitted-task.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { logLineToProto, statusFromProto, taskToProto, taskTypeToProto, watchEventToProto } from "./task-to-proto.js";
import type { TaskEventBus } from "../../core/events/task-event-bus.js";
import { isFinalStatus } from "../../core/task/task-status.js";
import { isUuid } from "../../core/task/uuid.js";
import { MAX_LOG_LINES_PER_TASK } from "../../core/store/task-record.js";
import { parseWaitDuration } from "../watch/wait-duration.js";
import { watchTaskEvents } from "../watch/watch-task-events.js";
import type { ServerTaskCounters } from "../metrics/task-counters.js";
import { defaultLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";
import { taskFields } from "../../core/log/task-fields.js";
import { cancelMatching, DEFAULT_BULK_BATCH_SIZE, planBulkAction, retryMatching, type BulkActionDeps } from "./bulk-actions.js";

/** What the task service needs. */
export interface TaskServiceDeps {
  store: TaskStore;
  catalog: TaskCatalog;
  submitter: TaskSubmitter;
  /** Who is calling (verified token or anonymous). */
  caller: CallerResolver;
  /** Submissions per principal (anonymous: per client address). */
  submitLimit: RateLimit;
  /** Tells workers a task was cancelled (so a running one aborts its signal). */
  publishCancel: (id: string) => Promise<void>;
  /** Live task events: watches and long polls subscribe; cancel and retry publish status changes. */
  events: TaskEventBus;
  /** How often a watch re-reads the task without a status event, in ms. Default 1000. */
  watchRereadMs?: number;
  /** Deepest nesting accepted in `args`. Default 32. */
  maxArgsDepth?: number;
  /** Where a cancel notice that could not be sent is reported (warn). Default: the process's root logger. */
  log?: Logger;
  /** Counts revoked tasks (the server's metrics). Default: not counted. */
  counters?: Pick<ServerTaskCounters, "revoked">;
  /** Tasks per batch (one transaction) of CancelTasks and RetryTasks, 1..10 000. Default 1000. */
  bulkBatchSize?: number;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * The `tstasks.v1.TaskService` implementation. Handlers take `(req, ctx)`
 * and return init objects; they throw domain errors that the caller maps to
 * Connect codes (see with-error-mapping.ts). The REST layer calls the same
 * object directly.
 */
export function createTaskService(deps: TaskServiceDeps): ServiceImpl<typeof TaskService> {
  const { store, catalog, submitter, caller } = deps;
  const rules: SubmissionRules = { catalog, maxArgsDepth: deps.maxArgsDepth ?? 32 };
  const batchDeps = { ...rules, store, submitter };

  /** The task if it exists and the caller may see it; else TaskNotFoundError (never "forbidden"). */
  const findTask = async (id: string, ctx: HandlerContext) => {
    if (id === "") throw new RequestInvalidError("id is required", { id: "is required: the task's id" });
    const who = await caller(ctx);
    // Ids are UUIDs; anything else cannot exist (and must not reach SQL as a uuid cast).
    const task = isUuid(id) ? await store.getTask(id.toLowerCase()) : undefined;
    if (!task || !maySee(task, who)) throw new TaskNotFoundError(id);
    return task;
  };

  const bulk: BulkActionDeps = {
    store,
    submitter,
    publishCancel: deps.publishCancel,
    events: deps.events,
    counters: deps.counters,
    log: deps.log ?? defaultLogger().child({ component: "server" }),
    batchSize: deps.bulkBatchSize ?? DEFAULT_BULK_BATCH_SIZE,
  };

  const sources = { store, events: deps.events };
  const rereadMs = deps.watchRereadMs;

  return {
    async submitTask(req, ctx) {
      const who = await caller(ctx);
      await deps.submitLimit.consume(submitLimitKey(who, ctx));
      const task = await buildNewTask(req, who, rules);
      return { task: await submittedTask(store, task, await submitter.submit(task)) };
    },

    async submitTasks(req, ctx) {
      const who = await caller(ctx);
      checkBatchSize(req.tasks.length);
      // A call counts as one submission: batching is what callers with many tasks should do.
      await deps.submitLimit.consume(submitLimitKey(who, ctx));
      return { results: await submitTaskBatch(req.tasks, who, batchDeps) };
    },

    async getTask(req, ctx) {
      const waitMs = parseWaitDuration(req.wait);
      let task = await findTask(req.id, ctx);
      if (waitMs > 0 && !isFinalStatus(task.status)) {
        // Long polling: the watch ends with the final task, or when the wait is over.
        const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(waitMs)]);
        for await (const event of watchTaskEvents(sources, task.id, { signal, rereadMs, tasksOnly: true })) {
          if (event.kind === "task") task = event.task;
        }
        // The wait is over: answer with the state as it is now, not as last seen.
        if (!isFinalStatus(task.status)) task = (await store.getTask(task.id)) ?? task;
      }
      return { task: taskToProto(task) };
    },

    async *watchTask(req, ctx) {
      const task = await findTask(req.id, ctx);
      for await (const event of watchTaskEvents(sources, task.id, { signal: ctx.signal, rereadMs })) {
        yield watchEventToProto(event);
      }
    },

    async getTaskLogs(req, ctx) {
      if (req.afterSeq < 0n || req.afterSeq > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new RequestInvalidError("after_seq is out of range", { after_seq: "must be from 0 to 2^53-1" });
      }
      if (req.pageSize < 0) throw new RequestInvalidError("page_size must not be negative", { page_size: "must not be negative" });
      const task = await findTask(req.id, ctx);
      const page = await store.getLogs(task.id, Number(req.afterSeq), Math.min(req.pageSize || MAX_LOG_LINES_PER_TASK, MAX_LOG_LINES_PER_TASK));
      return { lines: page.lines.map(logLineToProto), truncated: page.truncated };
    },

    async listTasks(req, ctx) {
      // Listing would reveal anonymous tasks' ids, so it needs a token; only admins see everyone's tasks.
      const who = await requireCaller(caller, ctx, "listing tasks needs a token");
      if (req.pageSize < 0) throw new RequestInvalidError("page_size must not be negative", { page_size: "must not be negative" });
      const limit = Math.min(req.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const page = await store.listTasks({
        limit,
        type: req.type || undefined,
        owner: isAdmin(who) ? undefined : who.sub,
        status: statusFromProto(req.status),
        after: req.pageToken ? decodePageToken(req.pageToken) : undefined,
        // Unset timestamps bound nothing; REST takes them as `created_after=2026-12-05T07:00:00Z`.
        createdAfter: req.createdAfter ? timestampDate(req.createdAfter) : undefined,
        createdBefore: req.createdBefore ? timestampDate(req.createdBefore) : undefined,
      });
      return {
        tasks: page.tasks.map(taskToProto),
        nextPageToken: page.next ? encodePageToken(page.next) : "",
      };
    },

    async cancelTask(req, ctx) {
      await findTask(req.id, ctx);
      const result = await store.revokeTask(req.id.toLowerCase());
      if (result.outcome === "not_found") throw new TaskNotFoundError(req.id);
      if (result.outcome === "not_revocable") {
        throw new TaskStateConflictError(`task ${req.id} is already ${result.record.status}: only unfinished tasks can be cancelled`);
      }
      deps.counters?.revoked(result.record.type, result.record.queue);
      // REVOKED is final in the store already; the notice only makes a running attempt stop early.
      deps.publishCancel(result.record.id).catch((e: unknown) =>
        (deps.log ?? defaultLogger().child({ component: "server" })).warn(
          { ...taskFields(result.record.id, result.record.type, result.record.attempts), err: e },
          "cancel notice not sent: a running attempt runs on, its result is not recorded",
        ),
      );
      // Watchers of the task end now rather than at their next re-read.
      deps.events.publishEvents([{ kind: "status", taskId: result.record.id, status: "REVOKED", attempt: result.record.attempts }]);
      return { task: taskToProto(result.record) };
    },

    async retryTask(req, ctx) {
      await findTask(req.id, ctx);
      const result = await store.requeueTask(req.id.toLowerCase());
      if (result.outcome === "not_found") throw new TaskNotFoundError(req.id);
      if (result.outcome === "not_requeueable") {
        throw new TaskStateConflictError(`task ${req.id} is ${result.record.status}: only FAILURE or REVOKED tasks can be retried`);
      }
      await submitter.requeue(result.record);
      deps.events.publishEvents([{ kind: "status", taskId: result.record.id, status: "PENDING", attempt: result.record.attempts }]);
      return { task: taskToProto(result.record) };
    },

    async cancelTasks(req, ctx) {
      // Like listing, acting on tasks by filter needs a token; only admins act on everyone's.
      const who = await requireCaller(caller, ctx, "cancelling tasks by filter needs a token");
      const { matched, changed } = await cancelMatching(bulk, planBulkAction(req, who), ctx.signal);
      return { matched, cancelled: changed, skipped: matched - changed };
    },

    async retryTasks(req, ctx) {
      const who = await requireCaller(caller, ctx, "retrying tasks by filter needs a token");
      const { matched, changed } = await retryMatching(bulk, planBulkAction(req, who), ctx.signal);
      return { matched, retried: changed, skipped: matched - changed };
    },

    async listTaskTypes() {
      const records = await catalog.list();
      return { types: Object.fromEntries(records.map((r) => [r.name, taskTypeToProto(r)])) };
    },
  };
}

/** Whose submission budget a call spends: the token's user, else the client address. */
function submitLimitKey(who: Principal | undefined, ctx: HandlerContext): string {
  return who ? `sub:${who.sub}` : `ip:${ctx.values.get(kClientAddress)}`;
}
