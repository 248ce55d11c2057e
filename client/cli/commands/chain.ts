import type { Command } from "commander";
import type { ChainInfo } from "../../chain-info.js";
import type { ChainStepSpec } from "../../chains-client.js";
import type { TasksClient } from "../../tasks-client.js";
import type { CommandEnv } from "../command-env.js";
import { CliError } from "../cli-error.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { chainLine, formatChainDetails } from "../format-chains.js";
import { formatResult } from "../format-task.js";
import { clientFor, globalOptions, type GlobalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";
import { collectStep, parseStepsJson, PREVIOUS_RESULT } from "../chain-steps.js";
import type { CliIo } from "../cli-io.js";

interface SubmitFlags {
  step?: ChainStepSpec[];
  json?: ChainStepSpec[];
  idempotencyKey?: string;
  wait?: boolean;
}

/**
 * `tstasks chain submit|get|watch|cancel|retry`: ChainService. `submit`
 * prints the new chain's id (json: the chain), or with --wait follows it and
 * prints its result; `watch` prints a line per change (json: the chain per
 * line) and the result; `get`, `cancel` and `retry` print the chain and its
 * steps. `submit --wait` and `watch` exit 1 when the chain ends FAILURE or
 * REVOKED; an unknown or someone else's chain exits 3.
 */
export function registerChain(program: Command, env: CommandEnv): void {
  const chain = program.command("chain").description("run task types one after the other, each step's result an argument of the next");

  chain
    .command("submit")
    .description("submit a chain of 2 to 100 steps: prints its id")
    .option(`-s, --step <"TYPE KEY=VALUE …">`, `one step, in order (repeatable); FIELD=${PREVIOUS_RESULT} marks the argument taking the previous step's result`, collectStep)
    .option("--json <steps>", 'the steps as a JSON array: [{"type","args","input_field","max_retries","timeout_ms"}, …]', parseStepsJson)
    .option("--idempotency-key <key>", "submitting again with this key answers the first chain")
    .option("-w, --wait", "wait until the chain ends and print its result")
    .addHelpText(
      "after",
      `
Examples:
  tstasks chain submit --step "test.main.add x=1 y=2" --step "test.main.add x=${PREVIOUS_RESULT} y=10" --step "test.main.add x=${PREVIOUS_RESULT} y=100" --wait
  tstasks chain submit --json '[{"type":"test.main.add","args":{"x":1,"y":2}},{"type":"test.main.add","args":{"y":10},"input_field":"x"}]'`,
    )
    .action(
      env.action(async (flags: SubmitFlags, command: Command) => {
        const options = globalOptions(command);
        if (flags.step && flags.json) throw new CliError("give the steps with --step or --json, not both", ExitCode.USAGE);
        const steps = flags.json ?? flags.step ?? [];
        if (steps.length < 2) throw new CliError("a chain needs at least two steps (--step … --step …)", ExitCode.USAGE);
        const client = await clientFor(options);
        const submitted = await client.chains.submit(steps, { idempotencyKey: flags.idempotencyKey, signal: env.io.signal });
        if (!flags.wait) {
          if (options.output === "json") printJson(env.io.stdout, submitted);
          else printLine(env.io.stdout, submitted.id);
          return ExitCode.OK;
        }
        return follow(client, submitted.id, options, env.io, false);
      }),
    );

  chain
    .command("watch")
    .description("follow a chain until it ends: a line per change, then its result")
    .argument("<id>", "chain id")
    .action(
      env.action(async (id: string, _flags: object, command: Command) => {
        const options = globalOptions(command);
        return follow(await clientFor(options), id, options, env.io, true);
      }),
    );

  for (const verb of ["get", "cancel", "retry"] as const) {
    chain
      .command(verb)
      .description(verb === "get" ? "show a chain and its steps" : verb === "cancel" ? "cancel a chain's running step: the chain ends REVOKED" : "run a failed or cancelled chain's step again")
      .argument("<id>", "chain id")
      .action(
        env.action(async (id: string, _flags: object, command: Command) => {
          const options = globalOptions(command);
          const c = await (await clientFor(options)).chains[verb](id, { signal: env.io.signal });
          if (options.output === "json") printJson(env.io.stdout, c);
          else printLine(env.io.stdout, formatChainDetails(c));
          return ExitCode.OK;
        }),
      );
  }
}

/** Follows a chain to its end: `lines` prints each change (json: each chain); then the result, or the failure on stderr. */
async function follow(client: TasksClient, id: string, options: GlobalOptions, io: CliIo, lines: boolean): Promise<ExitCodeValue> {
  let last: ChainInfo | undefined;
  for await (const c of client.chains.watch(id, { signal: io.signal })) {
    last = c;
    if (!lines) continue;
    if (options.output === "json") printJson(io.stdout, c);
    else printLine(io.stdout, chainLine(c));
  }
  if (!last) throw new CliError(`chain ${id}: the stream ended without the chain`, ExitCode.API_ERROR);
  if (last.status === "SUCCESS") {
    if (options.output === "json" && !lines) printJson(io.stdout, last);
    else if (options.output !== "json") printLine(io.stdout, lines ? `result ${formatResult(last.result)}` : formatResult(last.result));
    return ExitCode.OK;
  }
  if (options.output === "json" && !lines) printJson(io.stdout, last);
  printLine(io.stderr, `tstasks: chain ${last.id} ended ${chainLine(last)}`);
  return ExitCode.TASK_FAILED;
}
