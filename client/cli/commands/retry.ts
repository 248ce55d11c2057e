import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";

/**
 * `tstasks retry ID`: runs a FAILURE or REVOKED task again as a new
 * attempt. Prints `<id> PENDING` (json: the task). Retrying an unfinished
 * or successful task is the server's "failed precondition": exit 4.
 */
export function registerRetry(program: Command, env: CommandEnv): void {
  program
    .command("retry")
    .description("run a failed or cancelled task again")
    .argument("<id>", "task id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        const task = await (await clientFor(options)).retry(id);
        if (options.output === "json") printJson(env.io.stdout, task);
        else printLine(env.io.stdout, `${task.id} ${task.status}`);
        return ExitCode.OK;
      }),
    );
}
