import type { TaskMessage } from "./task-message.js";

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
}

/** The queue message for a task: what a worker needs to run it. */
export function toTaskMessage(task: MessageSource): TaskMessage {
  const message: TaskMessage = { id: task.id, type: task.type, queue: task.queue, args: task.args };
  if (task.runAt) message.runAt = task.runAt.getTime();
  if (task.dedupId) message.dedupId = task.dedupId;
  if (task.groupId) message.groupId = task.groupId;
  if (task.gatherOf) message.gatherOf = task.gatherOf;
  if (task.chainId) message.chainId = task.chainId;
  return message;
}
