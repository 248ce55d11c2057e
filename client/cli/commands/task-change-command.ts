import type { Command } from "commander";
import type { BulkFilter, TaskInfo, TasksClient } from "../../index.js";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";
import { addBulkFlags, bulkFilterOf, type BulkFlags } from "./bulk-flags.js";

/** What a bulk change reports: tasks matched, changed (as `changedKey` names them), skipped. */
export interface BulkChangeReport {
  matched: number;
  skipped: number;
  [changedKey: string]: number;
}

/** One command that changes a task's state (`cancel`, `retry`), or every task a filter matches. */
export interface TaskChangeCommand {
  /** The command's name: `tstasks <name> ID`. */
  name: string;
  /** Its one-line help. */
  description: string;
  /** Asks the server for the change; resolves to the task as it is afterwards. */
  change(client: TasksClient, id: string): Promise<TaskInfo>;
  /** The same change for every task `filter` matches (`cancelMany`, `retryMany`). */
  changeMany(client: TasksClient, filter: BulkFilter): Promise<BulkChangeReport>;
  /** The report's field of changed tasks: "cancelled", "retried". */
  changedKey: string;
}

/**
 * Registers `tstasks <name> ID`, or `tstasks <name> --type T --status S …`
 * for every matching task: makes the change, then prints `<id> <status>`
 * (json: the task), or for a filter `matched N, <changed> N, skipped N`
 * (json: those counts), and exits 0. A refusal is a client error, which
 * `env.action` turns into its exit status; an id with filters, or neither,
 * is a usage error (exit 2).
 */
export function registerTaskChangeCommand(program: Command, env: CommandEnv, spec: TaskChangeCommand): void {
  addBulkFlags(program.command(spec.name).description(spec.description).argument("[id]", "task id (or filter options instead)"), spec.name).action(
    env.action(async (id: string | undefined, flags: BulkFlags, command: Command) => {
      const options = globalOptions(command);
      const filter = bulkFilterOf(id, flags, env.io.signal);
      if (filter !== undefined) {
        const report = await spec.changeMany(await clientFor(options), filter);
        if (options.output === "json") printJson(env.io.stdout, report);
        else printLine(env.io.stdout, `matched ${report.matched}, ${spec.changedKey} ${report[spec.changedKey]}, skipped ${report.skipped}`);
        return ExitCode.OK;
      }
      const task = await spec.change(await clientFor(options), id!);
      if (options.output === "json") printJson(env.io.stdout, task);
      else printLine(env.io.stdout, `${task.id} ${task.status}`);
      return ExitCode.OK;
    }),
  );
}
