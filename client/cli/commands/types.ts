import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { formatTypeTable } from "../format-task.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";

/**
 * `tstasks types`: the task types the server runs, as a table (NAME, AUTH,
 * QUEUE, DESCRIPTION), or with --output json the map of name → type with
 * its JSON Schema of arguments.
 */
export function registerTypes(program: Command, env: CommandEnv): void {
  program
    .command("types")
    .description("list the task types the server runs")
    .action(
      env.action(async (_flags: object, command: Command) => {
        const options = globalOptions(command);
        const types = await (await clientFor(options)).types();
        if (options.output === "json") printJson(env.io.stdout, types);
        else printLine(env.io.stdout, Object.keys(types).length === 0 ? "no task types" : formatTypeTable(types));
        return ExitCode.OK;
      }),
    );
}
