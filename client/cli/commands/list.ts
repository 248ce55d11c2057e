import type { Command } from "commander";
import type { ListOptions, TaskInfo, TaskStatus } from "../../index.js";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { formatTaskTable } from "../format-task.js";
import { clientFor, globalOptions } from "../global-options.js";
import { parsePositiveInt, parseStatus, parseTime } from "../option-parsers.js";
import { printJson, printLine } from "../print.js";

/** Largest page the server returns. */
const MAX_PAGE = 1000;

interface ListFlags {
  status?: TaskStatus;
  type?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  limit: number;
}

/**
 * `tstasks list [--status S] [--type T] [--created-after T1] [--created-before T2] [--limit N]`:
 * the token's tasks (an admin's: everyone's), newest first, at most N (default 20); a table,
 * or with --output json an array of tasks. Needs a token.
 */
export function registerList(program: Command, env: CommandEnv): void {
  program
    .command("list")
    .description("list your tasks, newest first (needs a token)")
    .option("--status <status>", "only tasks in this status (PENDING, STARTED, SUCCESS, FAILURE, RETRY, REVOKED)", parseStatus)
    .option("--type <type>", "only tasks of this type")
    .option("--created-after <time>", "only tasks created at or after this ISO 8601 time", parseTime)
    .option("--created-before <time>", "only tasks created before this ISO 8601 time", parseTime)
    .option("--limit <n>", "at most this many tasks", parsePositiveInt, 20)
    .action(
      env.action(async (flags: ListFlags, command: Command) => {
        const options = globalOptions(command);
        const { io } = env;
        const tasks: TaskInfo[] = [];
        const query: ListOptions = { pageSize: Math.min(flags.limit, MAX_PAGE), signal: io.signal };
        if (flags.status !== undefined) query.status = flags.status;
        if (flags.type !== undefined) query.type = flags.type;
        if (flags.createdAfter !== undefined) query.createdAfter = flags.createdAfter;
        if (flags.createdBefore !== undefined) query.createdBefore = flags.createdBefore;
        for await (const task of (await clientFor(options)).list(query)) {
          tasks.push(task);
          if (tasks.length >= flags.limit) break;
        }
        if (options.output === "json") printJson(io.stdout, tasks);
        else printLine(io.stdout, tasks.length === 0 ? "no tasks" : formatTaskTable(tasks));
        return ExitCode.OK;
      }),
    );
}
