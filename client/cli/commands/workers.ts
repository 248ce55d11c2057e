import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { formatWorkerTable } from "../format-workers.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";

/**
 * `tstasks workers`: the worker processes registered with the server, alive
 * ones first, as a table (ID, ALIVE, HEARTBEAT age, QUEUES, CONCURRENCY,
 * IN-FLIGHT), or with --output json an array of workers (with their task
 * types, host, pid and timestamps). Needs a token.
 */
export function registerWorkers(program: Command, env: CommandEnv): void {
  program
    .command("workers")
    .description("list the worker processes and their heartbeats (needs a token)")
    .action(
      env.action(async (_flags: object, command: Command) => {
        const options = globalOptions(command);
        const workers = await (await clientFor(options)).workers({ signal: env.io.signal });
        if (options.output === "json") printJson(env.io.stdout, workers);
        else printLine(env.io.stdout, workers.length === 0 ? "no workers" : formatWorkerTable(workers));
        return ExitCode.OK;
      }),
    );
}
