import { ConnectError } from "@connectrpc/connect";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { BulkBatchQuery, BulkBatchResult, BulkTaskFilter } from "../../core/store/bulk-action.js";
import { MAX_BULK_BATCH } from "../../core/store/bulk-action.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { TaskEventBus } from "../../core/events/task-event-bus.js";
import type { TaskStatus as ProtoTaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import type { Logger } from "../../core/log/logger.js";
import { taskFields } from "../../core/log/task-fields.js";
import { isAdmin, type Principal } from "../auth/principal.js";
import { RequestInvalidError } from "../errors/domain-errors.js";
import { toConnectError } from "../errors/to-connect-error.js";
import type { ServerTaskCounters } from "../metrics/task-counters.js";
import type { TaskSubmitter } from "../submit/task-submitter.js";
import { statusFromProto } from "./task-to-proto.js";

/** Tasks one batch of a bulk action handles by default: one statement (transaction) each. */
export const DEFAULT_BULK_BATCH_SIZE = 1000;

/** The fields CancelTasksRequest and RetryTasksRequest share. */
export interface BulkRequest {
  type: string;
  status: ProtoTaskStatus;
  createdAfter?: Timestamp;
  createdBefore?: Timestamp;
  limit: number;
  all: boolean;
}

/** A checked bulk request: the store filter (with the caller's ownership) and the most tasks to change (0: all). */
export interface BulkPlan {
  filter: BulkTaskFilter;
  limit: number;
}

/**
 * Checks a bulk request and scopes it to what `who` may act on: its own
 * tasks, or everyone's for an admin (as ListTasks lists).
 * @throws RequestInvalidError for a negative limit, or a filter with nothing
 *   set and `all` false (so a forgotten flag never acts on every task).
 */
export function planBulkAction(req: BulkRequest, who: Principal): BulkPlan {
  if (req.limit < 0) throw new RequestInvalidError("limit must not be negative", { limit: "must not be negative (0: no limit)" });
  const filter: BulkTaskFilter = {
    type: req.type || undefined,
    status: statusFromProto(req.status),
    createdAfter: req.createdAfter ? timestampDate(req.createdAfter) : undefined,
    createdBefore: req.createdBefore ? timestampDate(req.createdBefore) : undefined,
  };
  const empty = Object.values(filter).every((v) => v === undefined);
  if (empty && !req.all) {
    throw new RequestInvalidError("a filter is required: set type, status, created_after or created_before, or all: true to act on every task", {
      all: "must be true when no filter is set",
    });
  }
  return { filter: { ...filter, owner: isAdmin(who) ? undefined : who.sub }, limit: req.limit };
}

/** What a bulk action reports: tasks that matched and were looked at, and how many of them it changed. */
export interface BulkOutcome {
  matched: number;
  changed: number;
}

/** What running a bulk action needs. */
export interface BulkActionDeps {
  store: TaskStore;
  submitter: Pick<TaskSubmitter, "requeue">;
  /** Tells workers a task was cancelled (so a running one aborts its signal). */
  publishCancel: (id: string) => Promise<void>;
  events: Pick<TaskEventBus, "publishEvents">;
  counters?: Pick<ServerTaskCounters, "revoked">;
  log: Logger;
  /** Tasks per batch (1..MAX_BULK_BATCH). */
  batchSize: number;
}

/**
 * Cancels every task of `plan` as CancelTask would, batch by batch: each
 * batch is revoked in one transaction, then its running tasks get the
 * cancel notice, its watchers the REVOKED event. Stops between batches when
 * `signal` aborts.
 * @throws a ConnectError (the store's failure's code, e.g. Unavailable) whose
 *   message says how many tasks earlier batches cancelled: they stay so.
 */
export function cancelMatching(deps: BulkActionDeps, plan: BulkPlan, signal: AbortSignal): Promise<BulkOutcome> {
  return runBatches(deps, plan, signal, "cancelled", (q) => deps.store.revokeTaskBatch(q), async (batch) => {
    for (const task of batch.changed) deps.counters?.revoked(task.type, task.queue);
    // REVOKED is final in the store already; the notice only makes running attempts stop early.
    const records = new Map(batch.changed.map((t) => [t.id, t]));
    for (const id of batch.wereRunning) {
      deps.publishCancel(id).catch((e: unknown) => {
        const task = records.get(id);
        deps.log.warn(
          { ...taskFields(id, task?.type ?? "", task?.attempts ?? 0), err: e },
          "cancel notice not sent: a running attempt runs on, its result is not recorded",
        );
      });
    }
    deps.events.publishEvents(batch.changed.map((t) => ({ kind: "status", taskId: t.id, status: "REVOKED", attempt: t.attempts })));
  });
}

/**
 * Retries every FAILURE or REVOKED task of `plan` as RetryTask would, batch
 * by batch: each batch is requeued in one transaction (with outbox rows),
 * then published through the submitter (the dispatcher publishes what that
 * misses) before the next batch starts.
 * @throws as {@link cancelMatching}.
 */
export function retryMatching(deps: BulkActionDeps, plan: BulkPlan, signal: AbortSignal): Promise<BulkOutcome> {
  return runBatches(deps, plan, signal, "retried", (q) => deps.store.requeueTaskBatch(q), async (batch) => {
    // requeue never rejects (a failed publish is left to the outbox dispatcher); waiting
    // for it keeps one batch of publishes in flight at a time.
    await Promise.all(batch.changed.map((t) => deps.submitter.requeue(t)));
    deps.events.publishEvents(batch.changed.map((t) => ({ kind: "status", taskId: t.id, status: "PENDING", attempt: t.attempts })));
  });
}

/** The keyset loop shared by both actions: batches until the filter (or `plan.limit`) is exhausted. */
async function runBatches(
  deps: BulkActionDeps,
  plan: BulkPlan,
  signal: AbortSignal,
  verb: string,
  runBatch: (query: BulkBatchQuery) => Promise<BulkBatchResult>,
  afterBatch: (batch: BulkBatchResult) => Promise<void>,
): Promise<BulkOutcome> {
  const batchSize = Math.min(Math.max(1, Math.floor(deps.batchSize)), MAX_BULK_BATCH);
  const outcome: BulkOutcome = { matched: 0, changed: 0 };
  let after: BulkBatchQuery["after"];
  for (;;) {
    // With a limit, a batch looks at no more tasks than may still change, so it never changes too many.
    const limit = plan.limit > 0 ? Math.min(batchSize, plan.limit - outcome.changed) : batchSize;
    if (limit <= 0) return outcome;
    signal.throwIfAborted();
    let batch: BulkBatchResult;
    try {
      batch = await runBatch({ filter: plan.filter, after, limit });
    } catch (e) {
      const mapped = toConnectError(e, deps.log);
      throw new ConnectError(
        `${mapped.rawMessage} (${outcome.changed} matching tasks were ${verb} before this failure and stay so; calling again is safe: it skips them)`,
        mapped.code,
        undefined,
        undefined,
        e,
      );
    }
    outcome.matched += batch.matched;
    outcome.changed += batch.changed.length;
    await afterBatch(batch);
    if (!batch.next) return outcome;
    after = batch.next;
  }
}
