import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { formatLogLine } from "../format-task.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";

/**
 * `tstasks logs ID`: the log lines the task wrote (`ctx.log`), oldest
 * first, one a line (`<time> <level> [attempt N] <message>`); with
 * --output json `{ "lines": [...], "truncated": bool }`. The server keeps
 * the first 1000 lines of a task; when later ones were dropped a note
 * says so on standard error.
 */
export function registerLogs(program: Command, env: CommandEnv): void {
  program
    .command("logs")
    .description("print the log lines a task wrote")
    .argument("<id>", "task id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        const { io } = env;
        const logs = await (await clientFor(options)).logs(id);
        if (options.output === "json") {
          printJson(io.stdout, { lines: logs.lines, truncated: logs.truncated });
          return ExitCode.OK;
        }
        for (const line of logs.lines) printLine(io.stdout, formatLogLine(line));
        if (logs.truncated) printLine(io.stderr, "tstasks: the task wrote more than the server keeps; later lines were dropped");
        return ExitCode.OK;
      }),
    );
}
