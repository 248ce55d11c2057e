import { Code, ConnectError } from "@connectrpc/connect";
import { abortableSleep } from "./abortable-sleep.js";
import type { TaskEvent } from "./task-event.js";
import { isFinalStatus, type TaskInfo } from "./task-info.js";

/** What {@link waitForFinal} uses: the client's own `watch` and `get`. */
export interface WaitForFinalDeps {
  watch(id: string, options: { signal: AbortSignal }): AsyncIterable<TaskEvent>;
  get(id: string, options: { waitMs: number; signal: AbortSignal }): Promise<TaskInfo>;
}

/** How long one long-polling request asks the server to wait. */
const LONG_POLL_MS = 30_000;
/** Least time between two polls, for a server that ignores `wait`. */
const MIN_POLL_INTERVAL_MS = 1000;

/**
 * The task once it is final: the last `task` event of `watch`. Against a
 * server without `WatchTask` (Unimplemented) it falls back to long polling
 * `get`. Errors (NotFound, Canceled, …) are thrown as they come.
 */
export async function waitForFinal(deps: WaitForFinalDeps, id: string, signal: AbortSignal): Promise<TaskInfo> {
  let last: TaskInfo | undefined;
  try {
    for await (const event of deps.watch(id, { signal })) {
      if (event.kind === "task") last = event.task;
    }
  } catch (e) {
    if (!(e instanceof ConnectError && e.code === Code.Unimplemented) || last) throw e;
    return pollUntilFinal(deps, id, signal);
  }
  if (!last || !isFinalStatus(last.status)) {
    // watch only ends normally after a final task event; this is a broken server.
    throw new ConnectError(`the event stream of task ${id} ended without its final state`, Code.Internal);
  }
  return last;
}

async function pollUntilFinal(deps: WaitForFinalDeps, id: string, signal: AbortSignal): Promise<TaskInfo> {
  for (;;) {
    const started = Date.now();
    const task = await deps.get(id, { waitMs: LONG_POLL_MS, signal });
    if (isFinalStatus(task.status)) return task;
    const elapsed = Date.now() - started;
    if (elapsed < MIN_POLL_INTERVAL_MS) await abortableSleep(MIN_POLL_INTERVAL_MS - elapsed, signal);
  }
}
