import { setTimeout as sleep } from "node:timers/promises";
import type { TaskStore } from "../../core/store/task-store.js";
import { isFinalStatus } from "../../core/task/task-status.js";
import { GroupNotFoundError } from "../errors/domain-errors.js";
import type { GroupView } from "./group-to-proto.js";
import { loadGroupView } from "./load-group-view.js";

/** Options of {@link watchGroup}. */
export interface WatchGroupOptions {
  /** Ends the watch quietly (client gone, server shutting down). */
  signal: AbortSignal;
  /** How often the store is read, in ms. Default 300. */
  pollMs?: number;
}

/**
 * Whether a watch of this group is over: the group final, and its gather
 * task (if one was made) final too, or gone (result retention deleted it:
 * it is inserted in the transaction that names it, so it is never "not yet there").
 */
export function groupWatchDone(view: GroupView): boolean {
  if (view.group.status === "RUNNING") return false;
  return view.group.gatherTaskId === null || view.gatherStatus === undefined || isFinalStatus(view.gatherStatus);
}

/**
 * The group `groupId` as it changes: first as it is, then whenever its
 * counts, progress, status or gather task changed, found by reading the
 * store every `pollMs` (one group row, one count per status, one task row:
 * members change by the thousand per second, so polling bounds the cost where
 * an event per member would not). Ends after the view in which the group and
 * its gather task are final, or quietly when `signal` aborts. Ownership is
 * NOT checked here: callers check it first.
 * @throws GroupNotFoundError when the group does not exist (or is deleted meanwhile).
 */
export async function* watchGroup(store: TaskStore, groupId: string, options: WatchGroupOptions): AsyncGenerator<GroupView, void, undefined> {
  const pollMs = options.pollMs ?? 300;
  let last = "";
  while (!options.signal.aborted) {
    const group = await store.getGroup(groupId);
    if (!group) throw new GroupNotFoundError(groupId);
    const view = await loadGroupView(store, group);
    const key = JSON.stringify([view.counts, group.status, group.remaining, group.gatherTaskId, view.gatherStatus, group.finishedAt]);
    if (key !== last) {
      last = key;
      yield view;
    }
    if (groupWatchDone(view)) return;
    try {
      await sleep(pollMs, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}
