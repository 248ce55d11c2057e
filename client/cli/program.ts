import { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import type { CommandEnv, RegisterCommand } from "./command-env.js";
import { registerCancel } from "./commands/cancel.js";
import { registerGet } from "./commands/get.js";
import { registerList } from "./commands/list.js";
import { registerLogs } from "./commands/logs.js";
import { registerRetry } from "./commands/retry.js";
import { registerSubmit } from "./commands/submit.js";
import { registerSubmitMany } from "./commands/submit-many.js";
import { registerToken } from "./commands/token.js";
import { registerTypes } from "./commands/types.js";
import { registerWatch } from "./commands/watch.js";
import { registerWorkers } from "./commands/workers.js";
import { registerSchedule } from "./commands/schedule.js";
import { registerGroup } from "./commands/group.js";
import { registerChain } from "./commands/chain.js";
import { EXIT_CODES_HELP, type ExitCodeValue } from "./exit-codes.js";
import { addGlobalOptions } from "./global-options.js";

const COMMANDS: readonly RegisterCommand[] = [
  registerSubmit,
  registerSubmitMany,
  registerGet,
  registerWatch,
  registerList,
  registerCancel,
  registerRetry,
  registerTypes,
  registerLogs,
  registerWorkers,
  registerSchedule,
  registerGroup,
  registerChain,
  registerToken,
];

/**
 * The `tstasks` command line (commander): every command, the global
 * options, help and the exit status table. Parse errors are thrown as
 * CommanderErrors (exitOverride) after their one line went to
 * `io.stderr` as `tstasks: …`; a command's exit status is passed to
 * `setExitCode`.
 */
export function createProgram(io: CliIo, setExitCode: (code: ExitCodeValue) => void): Command {
  const program = new Command("tstasks")
    .description("Submit, follow and manage tasks of a tstasks server.")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // commander says "error: …"; one line in this CLI's own voice instead.
      outputError: (text, write) => write(`tstasks: ${text.replace(/^error: /, "")}`),
    })
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText("afterAll", `\n${EXIT_CODES_HELP}\n`);
  addGlobalOptions(program);
  const env: CommandEnv = {
    io,
    action:
      (run) =>
      async (...args) => {
        setExitCode(await run(...args));
      },
  };
  for (const register of COMMANDS) register(program, env);
  return program;
}
