import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TaskStatus, type TaskSchema } from "../../gen/tstasks/v1/task_pb.js";
import type { InsertedTask } from "../../core/store/task-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { BuiltTask } from "./build-new-task.js";
import { taskToProto } from "./task-to-proto.js";

/**
 * The task a submit answers with once the submitter stored it: for a
 * repeated idempotency key the task stored first (read from the store);
 * otherwise the new task as it now is in the store (PENDING, nothing run
 * yet), built here without a read.
 */
export async function submittedTask(store: TaskStore, task: BuiltTask, inserted: InsertedTask): Promise<MessageInitShape<typeof TaskSchema>> {
  if (inserted.existing) {
    const earlier = await store.getTask(inserted.id);
    if (earlier) return taskToProto(earlier);
  }
  // Built straight from the new task rather than through a whole TaskRecord: a batch answers
  // a thousand of these, and the record's spread of some thirty fields showed in its profile.
  return {
    id: task.id,
    type: task.type,
    status: TaskStatus.PENDING,
    args: task.args,
    queue: task.queue,
    attempts: 0,
    worker: "",
    createdAt: timestampFromDate(inserted.createdAt),
    owner: task.owner ?? "",
    errors: [],
    runAt: task.runAt ? timestampFromDate(task.runAt) : undefined,
    idempotencyKey: task.idempotencyKey ?? "",
    timeoutMs: task.timeoutMs ?? 0,
    expiresAt: task.expiresAt ? timestampFromDate(task.expiresAt) : undefined,
    progress: 0,
    progressMessage: "",
  };
}
