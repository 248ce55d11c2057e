import type { TaskRecord } from "../../core/store/task-record.js";
import { isAdmin, type Principal } from "../auth/principal.js";

/**
 * Whether `caller` may read, watch or cancel `task`: anonymous tasks are
 * readable by anyone who knows their (unguessable) id, as in pytasks; an
 * owned task only by its owner or an admin. Callers that may not see a task
 * are told it does not exist (404), never that it is someone else's.
 */
export function maySee(task: TaskRecord, caller: Principal | undefined): boolean {
  if (task.owner === null) return true;
  return caller !== undefined && (caller.sub === task.owner || isAdmin(caller));
}
