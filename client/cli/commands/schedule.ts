import type { Command } from "commander";
import type { ScheduleSpec } from "../../schedules-client.js";
import type { CommandEnv } from "../command-env.js";
import { CliError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { formatScheduleTable } from "../format-schedules.js";
import { clientFor, globalOptions } from "../global-options.js";
import { parseNonNegativeInt, parsePositiveInt } from "../option-parsers.js";
import { printJson, printLine } from "../print.js";
import { collectArg, mergeTaskArgs, parseJsonObject } from "../task-args.js";

interface CreateFlags {
  arg?: Record<string, unknown>;
  json?: Record<string, unknown>;
  cron?: string;
  timeZone?: string;
  everyMs?: number;
  name?: string;
  catchUp?: string;
  retries?: number;
  timeoutMs?: number;
  paused?: boolean;
}

/**
 * `tstasks schedule create|list|get|pause|resume|delete`: ScheduleService.
 * `create` prints the new schedule's id (json: the schedule), `list` a table
 * (json: an array), `get`, `pause` and `resume` the schedule as JSON lines of
 * text or JSON, `delete` nothing. Every subcommand needs a token; an unknown
 * or someone else's schedule exits 3.
 */
export function registerSchedule(program: Command, env: CommandEnv): void {
  const schedule = program.command("schedule").description("submit a task type on a cron expression or an interval (needs a token)");

  schedule
    .command("create")
    .description("create a schedule: prints its id")
    .argument("<type>", "task type, e.g. test.main.add")
    .option("-a, --arg <key=value>", "one argument; VALUE is JSON when it parses, else a string (repeatable)", collectArg)
    .option("--json <args>", "the argument object as JSON; --arg values are merged over it", parseJsonObject)
    .option("--cron <expr>", 'a 5-field cron expression, e.g. "0 3 * * *"')
    .option("--time-zone <zone>", "IANA time zone of --cron (default UTC)")
    .option("--every-ms <ms>", "or: an interval in milliseconds (at least 1000)", parsePositiveInt)
    .option("--name <label>", "a free label")
    .option("--catch-up <policy>", "ticks missed while no server ran: one (default) or none")
    .option("--retries <n>", "retries of each task (default: the task type's)", parseNonNegativeInt)
    .option("--timeout-ms <ms>", "time limit of each attempt (default: the task type's)", parseNonNegativeInt)
    .option("--paused", "create it paused")
    .addHelpText(
      "after",
      `
Examples:
  tstasks schedule create test.main.add --arg x=1 --arg y=2 --every-ms 60000
  tstasks schedule create demo.main.pi --json '{"samples":1000000}' --cron "0 3 * * *" --time-zone Europe/Paris`,
    )
    .action(
      env.action(async (type: string, flags: CreateFlags, command: Command) => {
        const options = globalOptions(command);
        const catchUp = flags.catchUp?.toUpperCase();
        if (catchUp !== undefined && catchUp !== "ONE" && catchUp !== "NONE") throw new CliError(`--catch-up must be one or none, got "${flags.catchUp}"`, ExitCode.USAGE);
        const spec: ScheduleSpec = { type, args: mergeTaskArgs(flags.json, flags.arg), paused: flags.paused ?? false };
        if (flags.cron !== undefined) spec.cron = flags.cron;
        if (flags.timeZone !== undefined) spec.timeZone = flags.timeZone;
        if (flags.everyMs !== undefined) spec.intervalMs = flags.everyMs;
        if (flags.name !== undefined) spec.name = flags.name;
        if (catchUp !== undefined) spec.catchUp = catchUp;
        if (flags.retries !== undefined) spec.maxRetries = flags.retries;
        if (flags.timeoutMs !== undefined) spec.timeoutMs = flags.timeoutMs;
        const created = await (await clientFor(options)).schedules.create(spec, { signal: env.io.signal });
        if (options.output === "json") printJson(env.io.stdout, created);
        else printLine(env.io.stdout, created.id);
        return ExitCode.OK;
      }),
    );

  schedule
    .command("list")
    .description("list your schedules (admins: all)")
    .action(
      env.action(async (_flags: object, command: Command) => {
        const options = globalOptions(command);
        const schedules = await (await clientFor(options)).schedules.list({ signal: env.io.signal });
        if (options.output === "json") printJson(env.io.stdout, schedules);
        else printLine(env.io.stdout, schedules.length === 0 ? "no schedules" : formatScheduleTable(schedules));
        return ExitCode.OK;
      }),
    );

  for (const verb of ["get", "pause", "resume"] as const) {
    schedule
      .command(verb)
      .description(verb === "get" ? "show one schedule" : verb === "pause" ? "stop a schedule until resumed" : "resume a schedule from its next tick")
      .argument("<id>", "schedule id")
      .action(
        env.action(async (id: string, _flags: object, command: Command) => {
          const options = globalOptions(command);
          const s = await (await clientFor(options)).schedules[verb](id, { signal: env.io.signal });
          if (options.output === "json") printJson(env.io.stdout, s);
          else printLine(env.io.stdout, formatScheduleTable([s]));
          return ExitCode.OK;
        }),
      );
  }

  schedule
    .command("delete")
    .description("delete a schedule (its tasks stay)")
    .argument("<id>", "schedule id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        await (await clientFor(globalOptions(command))).schedules.delete(id, { signal: env.io.signal });
        return ExitCode.OK;
      }),
    );
}
