import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { endedBadly, failureLine, formatResult } from "../format-task.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printLine } from "../print.js";
import { createJsonWatchView } from "../watch/json-watch-view.js";
import { createPlainWatchView } from "../watch/plain-watch-view.js";
import { createTtyWatchView } from "../watch/tty-watch-view.js";
import { followTask } from "../watch/follow-task.js";

/**
 * `tstasks watch ID`: follows a task's live events until it is final. On a
 * terminal: a progress bar, the task's log lines above it, then the final
 * status and result. Otherwise plain lines (`status STARTED`, `progress
 * 0.40 chunk 4/10`, `log info …`, `status SUCCESS`, `result …`); with
 * --output json one event object per line. Exit 1 if the task ends
 * FAILURE or REVOKED.
 */
export function registerWatch(program: Command, env: CommandEnv): void {
  program
    .command("watch")
    .description("follow a task live (progress, log lines, status) until it ends")
    .argument("<id>", "task id")
    .addHelpText(
      "after",
      `
On a terminal this shows a progress bar with the task's log lines above it;
piped, it prints one line per event:
  status STARTED
  progress 0.40 chunk 4/10
  log info chunk 4/10: 800000 samples, pi ≈ 3.141530
  status SUCCESS
  result {"pi":3.14159,"samples":2000000}
--output json prints each event as one JSON object per line.`,
    )
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        const { io } = env;
        const view =
          options.output === "json"
            ? createJsonWatchView(io.stdout)
            : io.stdout.isTTY === true
              ? createTtyWatchView(io.stdout, id)
              : createPlainWatchView(io.stdout);
        const final = await followTask(await clientFor(options), id, view, io.signal);
        if (options.output === "text" && final.status === "SUCCESS") io.stdout.write(`result ${formatResult(final.result)}\n`);
        if (!endedBadly(final.status)) return ExitCode.OK;
        printLine(io.stderr, `tstasks: ${failureLine(final)}`);
        return ExitCode.TASK_FAILED;
      }),
    );
}
