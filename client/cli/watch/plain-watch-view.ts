import type { TaskEvent } from "../../index.js";
import type { CliOutput } from "../cli-io.js";
import { formatProgress, isFinal } from "../format-task.js";
import { statusChanges, type WatchView } from "./watch-view.js";

/**
 * Events as plain lines, for pipes, files and CI logs (no escape codes):
 * `status STARTED`, `progress 0.40 chunk 4/10`, `log info <message>`, …,
 * `status SUCCESS`. A status line is written when the status changes
 * (the stream may repeat a task's state); joining a running task, its
 * latest progress follows the first status line.
 */
export function createPlainWatchView(out: CliOutput): WatchView {
  const status = statusChanges();
  return {
    event(event: TaskEvent) {
      switch (event.kind) {
        case "task": {
          const { task } = event;
          const { text, changed, first } = status(task);
          if (changed) out.write(`status ${text}\n`);
          // Joining a running task: its latest progress, until the next report arrives.
          if (first && !isFinal(task.status) && (task.progress > 0 || task.progressMessage)) {
            out.write(`progress ${formatProgress(task.progress, task.progressMessage)}\n`);
          }
          return;
        }
        case "progress":
          out.write(`progress ${formatProgress(event.fraction, event.message)}\n`);
          return;
        case "log":
          out.write(`log ${event.line.level} ${event.line.message}\n`);
          return;
      }
    },
    close() {
      // Every line is complete already: nothing to restore.
    },
  };
}
