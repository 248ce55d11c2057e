import type { MessageInitShape } from "@bufbuild/protobuf";
import type { TaskSchema } from "../../gen/tstasks/v1/task_pb.js";
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
  return taskToProto({
    ...task,
    status: "PENDING",
    result: null,
    error: null,
    attempts: 0,
    worker: null,
    createdAt: inserted.createdAt,
    startedAt: null,
    finishedAt: null,
    errors: [],
    lostAttempts: 0,
    progress: 0,
    progressMessage: "",
    unservedHandbacks: 0,
    unservedSince: null,
    requeues: 0,
  });
}
