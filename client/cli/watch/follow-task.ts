import type { TaskInfo, TasksClient } from "../../index.js";
import { CliError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { isFinal } from "../format-task.js";
import type { WatchView } from "./watch-view.js";

/**
 * Streams task `id`'s events into `view` until the task is final and
 * returns that final state. Log lines are shown once each, even when the
 * client re-opens a broken stream (the server then sends the stored lines
 * again). The view is closed in every case (with the final task, or with
 * nothing when interrupted or failing), so the terminal is always restored.
 * @throws the client's errors (NotFound, Unavailable, …), an abort when
 *   `signal` fires, and CliError (exit 5) if the stream ends without a
 *   final task.
 */
export async function followTask(client: TasksClient, id: string, view: WatchView, signal: AbortSignal): Promise<TaskInfo> {
  let final: TaskInfo | undefined;
  let lastSeq = 0;
  try {
    for await (const event of client.watch(id, { signal })) {
      if (event.kind === "log") {
        if (event.line.seq <= lastSeq) continue;
        lastSeq = event.line.seq;
      }
      view.event(event);
      if (event.kind === "task" && isFinal(event.task.status)) final = event.task;
    }
    if (!final) throw new CliError(`the event stream of task ${id} ended before the task finished`, ExitCode.UNAVAILABLE);
    return final;
  } finally {
    view.close(final);
  }
}
