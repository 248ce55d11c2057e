import type { TaskMessage } from "./task-message.js";
import { DEFAULT_PRIORITY } from "../task/priority.js";

/** The fields of a new or stored task that a message carries. */
export interface MessageSource {
  id: string;
  type: string;
  queue: string;
  args: TaskMessage["args"];
  runAt?: Date | null;
  /** See {@link TaskMessage.dedupId}. */
  dedupId?: string;
  /** See {@link TaskMessage.priority}. */
  priority?: number;
}

/** The queue message for a task: what a worker needs to run it. */
export function toTaskMessage(task: MessageSource): TaskMessage {
  const message: TaskMessage = { id: task.id, type: task.type, queue: task.queue, args: task.args };
  if (task.runAt) message.runAt = task.runAt.getTime();
  if (task.dedupId) message.dedupId = task.dedupId;
  // Only when not 5, so default-priority messages stay as they were.
  if (task.priority !== undefined && task.priority !== DEFAULT_PRIORITY) message.priority = task.priority;
  return message;
}
