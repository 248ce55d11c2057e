import type { Command } from "commander";
import type { GroupSpec } from "../../groups-client.js";
import type { CommandEnv } from "../command-env.js";
import { CliError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { formatGroupDetails, formatGroupLine, formatMemberTable } from "../format-groups.js";
import { clientFor, globalOptions } from "../global-options.js";
import { parseNonNegativeInt, parsePositiveInt } from "../option-parsers.js";
import { printJson, printLine } from "../print.js";
import { parseJsonObject } from "../task-args.js";
import { readInput } from "./submit-many.js";

interface SubmitFlags {
  member?: Record<string, unknown>[];
  members?: string;
  gather?: string;
  gatherJson?: Record<string, unknown>;
  key?: string;
  retries?: number;
  timeoutMs?: number;
}

/**
 * `tstasks group submit|get|watch|results|cancel|retry`: GroupService.
 * `submit` prints the new group's id (json: the group); `get` the group and
 * its first page of members; `watch` one line per change until the group
 * (and its gather) is final, exit 1 if it ended FAILURE or REVOKED;
 * `results` every member as JSON lines; `cancel` and `retry` their counts.
 * An unknown or someone else's group exits 3.
 */
export function registerGroup(program: Command, env: CommandEnv): void {
  const group = program.command("group").description("run one task type over many argument sets, and gather the results");

  group
    .command("submit")
    .description("submit a group: prints its id")
    .argument("<type>", "the members' task type, e.g. test.main.add")
    .option("-m, --member <json>", "one member's arguments as a JSON object (repeatable)", (v: string, prev: Record<string, unknown>[] = []) => [...prev, parseJsonObject(v)])
    .option("--members <file>", "the members' arguments: a JSON array of objects, or one object per line (- for stdin)")
    .option("--gather <type>", "a task type to run once every member is final, with their results")
    .option("--gather-json <args>", "the gather task's own arguments as JSON", parseJsonObject)
    .option("--key <key>", "idempotency key: submitting it again answers the same group")
    .option("--retries <n>", "retries of each member (default: the task type's)", parseNonNegativeInt)
    .option("--timeout-ms <ms>", "time limit of each member's attempt (default: the task type's)", parseNonNegativeInt)
    .addHelpText(
      "after",
      `
Examples:
  tstasks group submit test.main.add -m '{"x":1,"y":2}' -m '{"x":3,"y":4}' --gather test.groups.sum
  seq 0 999 | jq -c '{x: ., y: 1}' | tstasks group submit test.main.add --members - --gather test.groups.sum`,
    )
    .action(
      env.action(async (type: string, flags: SubmitFlags, command: Command) => {
        const options = globalOptions(command);
        const members = [...(flags.member ?? []), ...(flags.members !== undefined ? parseMembers(await readInput(flags.members, env.io), flags.members) : [])];
        if (members.length === 0) throw new CliError("give the members with --member or --members", ExitCode.USAGE);
        if (flags.gatherJson !== undefined && flags.gather === undefined) throw new CliError("--gather-json needs --gather", ExitCode.USAGE);
        const spec: GroupSpec = { type, members };
        if (flags.gather !== undefined) spec.gather = { type: flags.gather, args: flags.gatherJson ?? {} };
        if (flags.key !== undefined) spec.idempotencyKey = flags.key;
        if (flags.retries !== undefined) spec.maxRetries = flags.retries;
        if (flags.timeoutMs !== undefined) spec.timeoutMs = flags.timeoutMs;
        const submitted = await (await clientFor(options)).groups.submit(spec, { signal: env.io.signal });
        if (options.output === "json") printJson(env.io.stdout, submitted);
        else printLine(env.io.stdout, submitted.id);
        return ExitCode.OK;
      }),
    );

  group
    .command("get")
    .description("show a group and a page of its members")
    .argument("<id>", "group id")
    .option("--page-size <n>", "members shown (default 100, at most 1000)", parsePositiveInt)
    .action(
      env.action(async (id: string, flags: { pageSize?: number }, command: Command) => {
        const options = globalOptions(command);
        const page = await (await clientFor(options)).groups.get(id, { pageSize: flags.pageSize, signal: env.io.signal });
        if (options.output === "json") printJson(env.io.stdout, page);
        else printLine(env.io.stdout, `${formatGroupDetails(page.group)}\n\n${formatMemberTable(page.members)}${page.nextPageToken ? "\n…" : ""}`);
        return ExitCode.OK;
      }),
    );

  group
    .command("watch")
    .description("follow a group until it and its gather task end")
    .argument("<id>", "group id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        let last;
        for await (const g of (await clientFor(options)).groups.watch(id, { signal: env.io.signal })) {
          last = g;
          if (options.output === "json") printJson(env.io.stdout, g);
          else printLine(env.io.stdout, formatGroupLine(g));
        }
        return last?.status === "FAILURE" || last?.status === "REVOKED" ? ExitCode.TASK_FAILED : ExitCode.OK;
      }),
    );

  group
    .command("results")
    .description("print every member (index, status, result or error) as JSON lines, in order")
    .argument("<id>", "group id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        for await (const m of (await clientFor(options)).groups.results(id, { signal: env.io.signal })) {
          env.io.stdout.write(`${JSON.stringify(m)}\n`);
        }
        return ExitCode.OK;
      }),
    );

  for (const verb of ["cancel", "retry"] as const) {
    group
      .command(verb)
      .description(verb === "cancel" ? "revoke every unfinished member" : "requeue the members that failed or were revoked")
      .argument("<id>", "group id")
      .action(
        env.action(async (id: string, _flags: object, command: Command) => {
          const options = globalOptions(command);
          const counts = await (await clientFor(options)).groups[verb](id, { signal: env.io.signal });
          if (options.output === "json") printJson(env.io.stdout, counts);
          else printLine(env.io.stdout, Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", "));
          return ExitCode.OK;
        }),
      );
  }
}

/** Members from text: a JSON array of objects, or one JSON object per (non-empty) line. */
function parseMembers(text: string, source: string): Record<string, unknown>[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new CliError(`${source}: not valid JSON: ${(e as Error).message}`, ExitCode.USAGE);
    }
    if (!Array.isArray(parsed) || !parsed.every(isObject)) throw new CliError(`${source}: must be an array of objects`, ExitCode.USAGE);
    return parsed;
  }
  return trimmed.split("\n").flatMap((line, i) => {
    if (line.trim() === "") return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new CliError(`${source}:${i + 1}: not a JSON object`, ExitCode.USAGE);
    }
    if (!isObject(parsed)) throw new CliError(`${source}:${i + 1}: not a JSON object`, ExitCode.USAGE);
    return [parsed];
  });
}
