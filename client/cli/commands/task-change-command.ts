import type { Command } from "commander";
import type { TaskInfo, TasksClient } from "../../index.js";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";

/** One command that changes a task's state (`cancel`, `retry`). */
export interface TaskChangeCommand {
  /** The command's name: `tstasks <name> ID`. */
  name: string;
  /** Its one-line help. */
  description: string;
  /** Asks the server for the change; resolves to the task as it is afterwards. */
  change(client: TasksClient, id: string): Promise<TaskInfo>;
}

/**
 * Registers `tstasks <name> ID`: makes the change, then prints
 * `<id> <status>` (json: the task) and exits 0. A refusal is a client
 * error, which `env.action` turns into its exit status.
 */
export function registerTaskChangeCommand(program: Command, env: CommandEnv, spec: TaskChangeCommand): void {
  program
    .command(spec.name)
    .description(spec.description)
    .argument("<id>", "task id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        const task = await spec.change(await clientFor(options), id);
        if (options.output === "json") printJson(env.io.stdout, task);
        else printLine(env.io.stdout, `${task.id} ${task.status}`);
        return ExitCode.OK;
      }),
    );
}
