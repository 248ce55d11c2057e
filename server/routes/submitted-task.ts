import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TaskStatus, type TaskSchema } from "../../gen/tstasks/v1/task_pb.js";
import type { InsertedTask } from "../../core/store/task-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { BuiltTask } from "./build-new-task.js";
import { submittedFieldsToProto, taskToProto } from "./task-to-proto.js";

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
    ...submittedFieldsToProto(task),
    status: TaskStatus.PENDING,
    attempts: 0,
    worker: "",
    createdAt: timestampFromDate(inserted.createdAt),
    errors: [],
    progress: 0,
    progressMessage: "",
  };
}
