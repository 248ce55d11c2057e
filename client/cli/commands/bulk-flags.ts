import type { Command } from "commander";
import type { BulkFilter, TaskStatus } from "../../index.js";
import { CliError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { parsePositiveInt, parseStatus, parseTime } from "../option-parsers.js";

/** The filter flags `cancel` and `retry` take instead of an id (those of `list`, plus --all). */
export interface BulkFlags {
  status?: TaskStatus;
  type?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  limit?: number;
  all?: boolean;
}

/** Adds the bulk filter flags to `command`; `verb` ("cancel", "retry") words their help. */
export function addBulkFlags(command: Command, verb: string): Command {
  return command
    .option("--status <status>", `without an id: ${verb} the tasks in this status`, parseStatus)
    .option("--type <type>", `without an id: ${verb} the tasks of this type`)
    .option("--created-after <time>", `without an id: ${verb} the tasks created at or after this ISO 8601 time`, parseTime)
    .option("--created-before <time>", `without an id: ${verb} the tasks created before this ISO 8601 time`, parseTime)
    .option("--limit <n>", `without an id: ${verb} at most this many tasks (the newest first)`, parsePositiveInt)
    .option("--all", `without an id and filters: ${verb} all your tasks (an admin's: everyone's)`);
}

/**
 * The bulk filter the flags ask for, or undefined when none is given (then
 * the command acts on its id).
 * @throws CliError (usage) when an id and filter flags are both given, or neither.
 */
export function bulkFilterOf(id: string | undefined, flags: BulkFlags, signal: AbortSignal): BulkFilter | undefined {
  const narrows = [flags.status, flags.type, flags.createdAfter, flags.createdBefore].some((v) => v !== undefined);
  const flagged = narrows || flags.all === true || flags.limit !== undefined;
  if (id !== undefined && flagged) {
    throw new CliError("give a task id or filter options (--type, --status, --created-after, --created-before, --limit, --all), not both", ExitCode.USAGE);
  }
  if (id !== undefined) return undefined;
  if (!narrows && flags.all !== true) {
    throw new CliError("give a task id, or filter options (--type, --status, --created-after, --created-before) or --all", ExitCode.USAGE);
  }
  // No deadline of the client's: a bulk action over many tasks takes as long as it takes (Ctrl-C stops it).
  const filter: BulkFilter = { signal, timeoutMs: 0 };
  if (flags.status !== undefined) filter.status = flags.status;
  if (flags.type !== undefined) filter.type = flags.type;
  if (flags.createdAfter !== undefined) filter.createdAfter = flags.createdAfter;
  if (flags.createdBefore !== undefined) filter.createdBefore = flags.createdBefore;
  if (flags.limit !== undefined) filter.limit = flags.limit;
  if (flags.all === true) filter.all = true;
  return filter;
}
