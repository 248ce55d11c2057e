import type { TaskType } from "../gen/tstasks/v1/task_pb.js";

/** A task type the server accepts, as listed by `types()` (`GET /tasks`). */
export interface TaskTypeInfo {
  /** `<pack>.<module>.<export>`, e.g. `test.main.add`. */
  name: string;
  /** True when submitting it needs a token that allows it. */
  requireAuthorization: boolean;
  /** JSON Schema of its argument object. */
  argsSchema: Record<string, unknown>;
  queue: string;
  description: string;
  pack: string;
  packVersion: string;
  /** Default priority of its tasks, 1 to 10 (10 highest). */
  priority: number;
}

/** Converts a `tstasks.v1.TaskType` message into a {@link TaskTypeInfo}. */
export function taskTypeFromProto(t: TaskType): TaskTypeInfo {
  return {
    name: t.name,
    requireAuthorization: t.requireAuthorization,
    argsSchema: { ...(t.args ?? {}) },
    queue: t.queue,
    description: t.description,
    pack: t.pack,
    packVersion: t.packVersion,
    priority: t.priority,
  };
}
