import type { Command } from "commander";
import type { SubmitOptions } from "../../index.js";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { endedBadly, failureLine, formatResult } from "../format-task.js";
import { clientFor, globalOptions } from "../global-options.js";
import { parseNonNegativeInt, parsePriority } from "../option-parsers.js";
import { printJson, printLine } from "../print.js";
import { collectArg, mergeTaskArgs, parseJsonObject } from "../task-args.js";
import { createTtyWatchView } from "../watch/tty-watch-view.js";
import { followTask } from "../watch/follow-task.js";
import type { WatchView } from "../watch/watch-view.js";

interface SubmitFlags {
  arg?: Record<string, unknown>;
  json?: Record<string, unknown>;
  wait?: boolean;
  retries?: number;
  delayMs?: number;
  idempotencyKey?: string;
  timeoutMs?: number;
  priority?: number;
}

const NO_VIEW: WatchView = { event() {}, close() {} };

/**
 * `tstasks submit TYPE [--arg k=v]... [--json ARGS] [--wait] …`: submits a
 * task. Prints its id (json: the task). With --wait, follows it to the end
 * and prints its result (json: the final task), with a live progress bar
 * on standard error when that is a terminal; exit 1 if it ends FAILURE or
 * REVOKED.
 */
export function registerSubmit(program: Command, env: CommandEnv): void {
  program
    .command("submit")
    .description("submit a task: prints its id, or with --wait its result")
    .argument("<type>", "task type, e.g. test.main.add (see: tstasks types)")
    .option("-a, --arg <key=value>", "one argument; VALUE is JSON when it parses (x=1 → 1), else a string (repeatable)", collectArg)
    .option("--json <args>", "the argument object as JSON; --arg values are merged over it", parseJsonObject)
    .option("-w, --wait", "follow the task until it ends and print its result")
    .option("--retries <n>", "retries after a failed attempt (default: the task type's)", parseNonNegativeInt)
    .option("--delay-ms <ms>", "start no earlier than this many milliseconds from now", parseNonNegativeInt)
    .option("--idempotency-key <key>", "a repeated submit with this key returns the first task instead of a new one")
    .option("--timeout-ms <ms>", "execution time limit of each attempt (default: the task type's)", parseNonNegativeInt)
    .option("--priority <n>", "1 to 10, 10 highest: higher ones start first in their queue (default: the task type's)", parsePriority)
    .addHelpText(
      "after",
      `
Examples:
  tstasks submit test.main.add --arg x=1 --arg y=2 --wait
  tstasks submit test.main.add --arg x=1 --arg y=2 --priority 9
  tstasks submit demo.main.pi --json '{"samples":2000000,"chunks":20}' --wait
  id=$(tstasks submit demo.main.sleep --arg ms=5000) && tstasks watch "$id"`,
    )
    .action(
      env.action(async (type: string, flags: SubmitFlags, command: Command) => {
        const options = globalOptions(command);
        const { io } = env;
        const client = await clientFor(options);
        const submitOptions: SubmitOptions = { signal: io.signal };
        if (flags.retries !== undefined) submitOptions.maxRetries = flags.retries;
        if (flags.delayMs !== undefined) submitOptions.delayMs = flags.delayMs;
        if (flags.idempotencyKey !== undefined) submitOptions.idempotencyKey = flags.idempotencyKey;
        if (flags.timeoutMs !== undefined) submitOptions.timeoutMs = flags.timeoutMs;
        if (flags.priority !== undefined) submitOptions.priority = flags.priority;
        const task = await client.submit(type, mergeTaskArgs(flags.json, flags.arg), submitOptions);
        if (!flags.wait) {
          if (options.output === "json") printJson(io.stdout, task);
          else printLine(io.stdout, task.id);
          return ExitCode.OK;
        }
        // Standard output carries only the result; the live display (for a
        // person) goes to standard error, and only when that is a terminal.
        const live = options.output === "text" && io.stderr.isTTY === true;
        if (live) printLine(io.stderr, `task ${task.id}`);
        const final = await followTask(client, task.id, live ? createTtyWatchView(io.stderr, task.id) : NO_VIEW, io.signal);
        if (options.output === "json") printJson(io.stdout, final);
        else if (final.status === "SUCCESS") io.stdout.write(`${formatResult(final.result)}\n`);
        if (!endedBadly(final.status)) return ExitCode.OK;
        printLine(io.stderr, `tstasks: ${failureLine(final)}`);
        return ExitCode.TASK_FAILED;
      }),
    );
}
