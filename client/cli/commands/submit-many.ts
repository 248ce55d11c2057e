import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { CliIo } from "../cli-io.js";
import { CliError } from "../cli-error.js";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printLine } from "../print.js";
import { parseTaskLines } from "../task-lines.js";

/**
 * `tstasks submit-many FILE|-`: submits the tasks of a JSON-lines file (or
 * standard input), one task per line (see parseTaskLines), in calls of at
 * most 1000 tasks. Every line is checked before anything is sent: a bad one
 * is a usage error (exit 2) and nothing is submitted. Prints one line per
 * task, in input order, as each call is answered: the task's id, or `error
 * <line>: <code>: <message>` (json: the task, or `{"line","error"}`), so the
 * ids of the calls answered before a failed call are printed too. Exit 0 when
 * every task was accepted, 4 when any was refused; a call that fails as a
 * whole ends the command as any API error does (5 unavailable, 4 otherwise).
 */
export function registerSubmitMany(program: Command, env: CommandEnv): void {
  program
    .command("submit-many")
    .description("submit the tasks of a JSON-lines file (- for standard input): prints one id or error per task")
    .argument("<file>", 'one task per line, e.g. {"type":"test.main.add","args":{"x":1,"y":2}}; - reads standard input')
    .addHelpText(
      "after",
      `
Each line: {"type": TYPE, "args": {…}} plus, optionally, idempotency_key, max_retries,
delay_ms, timeout_ms, queue_timeout_ms, run_at (RFC 3339); camelCase names work too.
Blank lines are skipped. Output: one line per task in input order, its id or
"error LINE: CODE: MESSAGE"; exit 4 when any task was refused.

Examples:
  tstasks submit-many tasks.jsonl
  printf '%s\\n' '{"type":"test.main.add","args":{"x":1,"y":2}}' | tstasks submit-many -
  tstasks submit-many tasks.jsonl --output json | jq -r .id`,
    )
    .action(
      env.action(async (file: string, _flags: unknown, command: Command) => {
        const options = globalOptions(command);
        const { io } = env;
        const source = file === "-" ? "standard input" : file;
        const lines = parseTaskLines(await readInput(file, io), source);
        const client = await clientFor(options);
        const [{ MAX_TASKS_PER_CALL }, report] = await Promise.all([import("../../index.js"), import("../submit-many-report.js")]);
        let refused = false;
        // Call by call rather than one submitMany for all: what an answered call accepted is printed even if a later one fails.
        for (let start = 0; start < lines.length; start += MAX_TASKS_PER_CALL) {
          const part = lines.slice(start, start + MAX_TASKS_PER_CALL);
          const results = await client.submitMany(part.map((l) => l.task), { signal: io.signal });
          results.forEach((result, i) => {
            refused ||= !result.ok;
            const input = part[i]!;
            if (options.output === "json") io.stdout.write(`${JSON.stringify(report.resultJson(input, result))}\n`);
            else printLine(io.stdout, report.resultLine(input, result));
          });
        }
        return refused ? ExitCode.API_ERROR : ExitCode.OK;
      }),
    );
}

/** The whole of `file`, or of standard input for `-`; a file that cannot be read is a usage error. */
export async function readInput(file: string, io: CliIo): Promise<string> {
  if (file !== "-") {
    try {
      return await readFile(file, "utf8");
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`, ExitCode.USAGE);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
