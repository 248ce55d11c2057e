import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";

/**
 * `tstasks cancel ID`: revokes an unfinished task (a running one has its
 * signal aborted). Prints `<id> REVOKED` (json: the task). A finished task
 * cannot be cancelled: the server's "failed precondition" is exit 4.
 */
export function registerCancel(program: Command, env: CommandEnv): void {
  program
    .command("cancel")
    .description("cancel (revoke) an unfinished task")
    .argument("<id>", "task id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        const task = await (await clientFor(options)).cancel(id);
        if (options.output === "json") printJson(env.io.stdout, task);
        else printLine(env.io.stdout, `${task.id} ${task.status}`);
        return ExitCode.OK;
      }),
    );
}
