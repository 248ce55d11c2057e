import type { Command } from "commander";
import type { TaskInfo } from "../../index.js";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { endedBadly, failureLine, formatTaskDetails, isFinal } from "../format-task.js";
import { clientFor, globalOptions } from "../global-options.js";
import { parseDuration } from "../option-parsers.js";
import { printJson, printLine } from "../print.js";

/** Longest single long poll the server allows; longer waits are several polls in a row. */
const LONG_POLL_MS = 60_000;

/**
 * `tstasks get ID [--wait DURATION]`: prints a task (json: the task). With
 * --wait, first waits up to DURATION for it to be final (long polling),
 * and exits 1 if it ended FAILURE or REVOKED; without --wait the status
 * does not change the exit status.
 */
export function registerGet(program: Command, env: CommandEnv): void {
  program
    .command("get")
    .description("show a task: status, result or error, attempts, times")
    .argument("<id>", "task id")
    .option("--wait <duration>", "wait up to this long (30s, 500ms, 5m) for the task to be final", parseDuration)
    .action(
      env.action(async (id: string, flags: { wait?: number }, command: Command) => {
        const options = globalOptions(command);
        const { io } = env;
        const client = await clientFor(options);
        const waitMs = flags.wait ?? 0;
        const deadline = Date.now() + waitMs;
        const poll = (): Promise<TaskInfo> => {
          const left = deadline - Date.now();
          return client.get(id, left > 0 ? { waitMs: Math.min(left, LONG_POLL_MS), signal: io.signal } : { signal: io.signal });
        };
        let task = await poll();
        while (waitMs > 0 && !isFinal(task.status) && Date.now() < deadline) task = await poll();
        if (options.output === "json") printJson(io.stdout, task);
        else printLine(io.stdout, formatTaskDetails(task));
        if (waitMs > 0 && endedBadly(task.status)) {
          printLine(io.stderr, `tstasks: ${failureLine(task)}`);
          return ExitCode.TASK_FAILED;
        }
        return ExitCode.OK;
      }),
    );
}
