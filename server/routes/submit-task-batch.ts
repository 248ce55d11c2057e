import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SubmitTaskRequest, SubmitTaskResultSchema } from "../../gen/tstasks/v1/task_service_pb.js";
import type { InsertedTask } from "../../core/store/task-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { Principal } from "../auth/principal.js";
import { RequestInvalidError } from "../errors/domain-errors.js";
import { taskRefusal } from "../errors/task-refusal.js";
import type { TaskSubmitter } from "../submit/task-submitter.js";
import { buildNewTask, type BuiltTask, type SubmissionRules } from "./build-new-task.js";
import { submittedTask } from "./submitted-task.js";

/** Most tasks one SubmitTasks call may carry. */
export const MAX_BATCH_TASKS = 1000;

/** What {@link submitTaskBatch} needs. */
export interface TaskBatchDeps extends SubmissionRules {
  store: TaskStore;
  submitter: TaskSubmitter;
}

type TaskResult = MessageInitShape<typeof SubmitTaskResultSchema>;

/**
 * Refuses a batch that is empty or holds more than {@link MAX_BATCH_TASKS}
 * tasks (RequestInvalidError naming `tasks`), before anything else is done.
 */
export function checkBatchSize(count: number): void {
  if (count === 0) {
    throw new RequestInvalidError("SubmitTasks needs at least one task", { tasks: `must hold 1 to ${MAX_BATCH_TASKS} tasks` });
  }
  if (count > MAX_BATCH_TASKS) {
    throw new RequestInvalidError(`SubmitTasks takes at most ${MAX_BATCH_TASKS} tasks, got ${count}: split them into several calls`, {
      tasks: `must hold 1 to ${MAX_BATCH_TASKS} tasks`,
    });
  }
}

/**
 * Submits the tasks of one SubmitTasks call for `who`: one result per
 * request, in order.
 *
 * Each task is checked as SubmitTask checks it (buildNewTask); a refused one
 * gets its error (taskRefusal) and nothing is stored for it. The accepted
 * ones are handed to the submitter all at once, so its batchers store them
 * in multi-row inserts and publish them pipelined. Tasks of the call that
 * repeat an idempotency key are submitted once, at the first of them, and
 * all answer with that task (the key is per owner, and one call has one
 * owner); a key already stored answers with the task stored first, as in
 * SubmitTask.
 *
 * Throws, failing the whole call, for whatever is not one task's fault: a
 * catalog or store error while checking, or an insert that failed. In the
 * latter case it waits until every insert of the call settled first, so
 * nothing of the call is still in flight when the caller hears of it.
 */
export async function submitTaskBatch(requests: readonly SubmitTaskRequest[], who: Principal | undefined, deps: TaskBatchDeps): Promise<TaskResult[]> {
  const checked = await Promise.all(
    requests.map((req) =>
      buildNewTask(req, who, deps).then(
        (task) => ({ task }),
        (thrown: unknown) => {
          const error = taskRefusal(thrown);
          if (!error) throw thrown;
          return { error };
        },
      ),
    ),
  );

  // Which accepted task each position is answered by: itself, or the first of the call with its key.
  const submitAt = new Map<number, BuiltTask>();
  const answeredBy: number[] = [];
  const firstWithKey = new Map<string, number>();
  checked.forEach((c, i) => {
    answeredBy[i] = i;
    if (!("task" in c)) return;
    const key = c.task.idempotencyKey;
    const first = key === null ? undefined : firstWithKey.get(key);
    if (first !== undefined) {
      answeredBy[i] = first;
      return;
    }
    if (key !== null) firstWithKey.set(key, i);
    submitAt.set(i, c.task);
  });

  // Every submit is started in this one tick, so the submitter's batchers see them together.
  const positions = [...submitAt.keys()];
  const settled = await Promise.allSettled(positions.map((i) => deps.submitter.submit(submitAt.get(i)!)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  const inserted = settled as PromiseFulfilledResult<InsertedTask>[];

  const answers = new Map(
    await Promise.all(positions.map(async (i, n) => [i, await submittedTask(deps.store, submitAt.get(i)!, inserted[n]!.value)] as const)),
  );
  return checked.map((c, i): TaskResult => {
    if ("error" in c) return { outcome: { case: "error", value: c.error } };
    return { outcome: { case: "task", value: answers.get(answeredBy[i]!)! } };
  });
}
