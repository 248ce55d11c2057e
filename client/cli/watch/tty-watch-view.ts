import cliProgress from "cli-progress";
import type { TaskEvent, TaskInfo } from "../../index.js";
import type { CliOutput } from "../cli-io.js";
import { statusChanges, statusText, type WatchView } from "./watch-view.js";

/** Steps of the bar: progress fractions are shown to the percent. */
const TOTAL = 100;

/**
 * The interactive display for a terminal: one cli-progress bar driven by
 * the task's progress events (`████░░░░ 40% | STARTED | chunk 4/10`), the
 * task's log lines and retries printed above it as they come, and the
 * final status below it when the bar stops. The cursor is hidden while
 * the bar runs and shown again by `close`.
 */
export function createTtyWatchView(out: CliOutput, taskId: string): WatchView {
  const bars = new cliProgress.MultiBar(
    {
      stream: out,
      format: `{bar} {percentage}% | {status} | {message}`,
      hideCursor: true,
      // We restore the terminal ourselves on Ctrl-C (close), not cli-progress.
      gracefulExit: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(TOTAL, 0, { status: "…", message: taskId });
  const status = statusChanges();
  let closed = false;
  return {
    event(event: TaskEvent) {
      switch (event.kind) {
        case "task": {
          const { task } = event;
          const { text, changed } = status(task);
          if (task.status === "RETRY" && changed) bars.log(`retry   ${text.slice("RETRY ".length)}\n`);
          bar.update(Math.round(task.progress * TOTAL), { status: task.status, message: task.progressMessage || task.type });
          return;
        }
        case "progress":
          bar.update(Math.round(event.fraction * TOTAL), { message: event.message });
          return;
        case "log":
          bars.log(`${event.line.level.padEnd(7)} ${event.line.message}\n`);
          return;
      }
    },
    close(final?: TaskInfo) {
      if (closed) return;
      closed = true;
      if (final) bar.update(final.status === "SUCCESS" ? TOTAL : bar.getProgress() * TOTAL, { status: final.status });
      // Flush log lines still buffered (cli-progress writes them on its next
      // redraw, and stop() does not), then draw the bar one last time.
      bars.update();
      bars.stop();
      if (final) out.write(`status ${statusText(final)}\n`);
    },
  };
}
