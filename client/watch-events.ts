import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { TaskService } from "../gen/tstasks/v1/task_service_pb.js";
import { abortableSleep, canceled } from "./abortable-sleep.js";
import { isUnavailable } from "./error-predicates.js";
import { backoffDelay } from "./retry-unavailable.js";
import { taskEventFromProto, type TaskEvent } from "./task-event.js";
import { isFinalStatus } from "./task-info.js";

/** Options of {@link watchEvents}. */
export interface WatchEventsOptions {
  /** Re-subscriptions in a row after `Unavailable` (the count starts again once events flow). */
  retries: number;
  signal?: AbortSignal;
}

/**
 * True for the error of a stream whose connection dropped: connect-node
 * reports a reset connection (ECONNRESET) as `Aborted`. Only trusted after
 * the stream delivered events, i.e. the server had accepted the call.
 */
function isDroppedConnection(e: unknown): boolean {
  return e instanceof ConnectError && e.code === Code.Aborted;
}

/**
 * The events of `WatchTask` for one task, converted, ending after the final
 * `task` event. A stream that breaks with `Unavailable`, or that ends before
 * the final event (the server went away), is opened again after a backoff;
 * so is a stream whose connection drops after it delivered events. Watching
 * has no side effects, and the server starts every stream with a snapshot,
 * so the final state is never missed, only progress and log events of the
 * gap. Any other error is thrown.
 * Stopping the iteration early (break, return) closes the stream.
 */
export async function* watchEvents(tasks: Client<typeof TaskService>, id: string, options: WatchEventsOptions): AsyncGenerator<TaskEvent> {
  const { signal } = options;
  let retry = 0;
  for (;;) {
    // Our own controller, so that leaving the loop early always ends the HTTP stream.
    const stream = new AbortController();
    const onAbort = () => stream.abort(signal?.reason);
    if (signal?.aborted) throw canceled(signal);
    signal?.addEventListener("abort", onAbort, { once: true });
    let failure: unknown;
    let received = 0;
    try {
      for await (const message of tasks.watchTask({ id }, { signal: stream.signal })) {
        // Only events after the snapshot prove the stream works; a server
        // that dies right after every snapshot must still exhaust the budget.
        if (++received > 1) retry = 0;
        const event = taskEventFromProto(message);
        if (!event) continue;
        yield event;
        if (event.kind === "task" && isFinalStatus(event.task.status)) return;
      }
      failure = new ConnectError(`the event stream of task ${id} ended before the task was final`, Code.Unavailable);
    } catch (e) {
      if (signal?.aborted) throw canceled(signal);
      if (!isUnavailable(e) && !(received > 0 && isDroppedConnection(e))) throw e;
      failure = e;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      stream.abort();
    }
    if (retry >= options.retries) throw failure;
    await abortableSleep(backoffDelay(retry++), signal);
  }
}
