import type { GroupRecord } from "../../core/store/group-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { GroupView } from "./group-to-proto.js";

/** Reads a group's counts and its gather task's status beside the row (two small queries at once). */
export async function loadGroupView(store: TaskStore, group: GroupRecord): Promise<GroupView> {
  const [counts, gather] = await Promise.all([
    store.groupCounts(group.id),
    group.gatherTaskId ? store.getTask(group.gatherTaskId) : Promise.resolve(undefined),
  ]);
  return { group, counts, gatherStatus: gather?.status };
}
