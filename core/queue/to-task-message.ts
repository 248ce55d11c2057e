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
  /** See {@link TaskMessage.groupId}. */
  groupId?: string | null;
  /** See {@link TaskMessage.gatherOf}. */
  gatherOf?: string | null;
  /** See {@link TaskMessage.chainId}. */
  chainId?: string | null;
  /** See {@link TaskMessage.priority}. */
  priority?: number;
}

/** The queue message for a task: what a worker needs to run it. */
export function toTaskMessage(task: MessageSource): TaskMessage {
  const message: TaskMessage = { id: task.id, type: task.type, queue: task.queue, args: task.args };
  if (task.runAt) message.runAt = task.runAt.getTime();
  if (task.dedupId) message.dedupId = task.dedupId;
  if (task.groupId) message.groupId = task.groupId;
  if (task.gatherOf) message.gatherOf = task.gatherOf;
  if (task.chainId) message.chainId = task.chainId;
  // Only when not 5, so default-priority messages stay as they were.
  if (task.priority !== undefined && task.priority !== DEFAULT_PRIORITY) message.priority = task.priority;
  return message;
}
