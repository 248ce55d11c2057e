import { Option, type Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CommandEnv } from "../command-env.js";
import { ExitCode } from "../exit-codes.js";
import { clientFor, globalOptions } from "../global-options.js";
import { printJson, printLine } from "../print.js";
import { readPassword } from "../read-password.js";

/**
 * `tstasks token --user NAME`: logs in and prints a bearer token (json:
 * `{ "token", "expiresAt" }`). The password is read from a hidden prompt
 * on a terminal, or from the first line of standard input when piped —
 * never from argv, which other local users can read (ps) and shells keep
 * in their history: a `--password` option is a usage error that says so.
 */
export function registerToken(program: Command, env: CommandEnv): void {
  program
    .command("token")
    .description("log in: print a bearer token for TSTASKS_TOKEN (password from a prompt or standard input)")
    .requiredOption("-u, --user <name>", "user name")
    // Accepted by the parser only to be refused by name below: commander's
    // own error for a bad value would repeat the value, i.e. the password.
    .addOption(new Option("--password <password>").hideHelp())
    .addHelpText(
      "after",
      `
Examples:
  export TSTASKS_TOKEN=$(tstasks token --user alice)          # asks for the password
  echo "$PASSWORD" | tstasks token --user alice --output json  # {"token": "…", "expiresAt": "…"}`,
    )
    .action(
      env.action(async (flags: { user: string; password?: string }, command: Command) => {
        if (flags.password !== undefined) {
          throw new CliError("the password is never an argument: type it at the prompt, or pipe it on standard input", ExitCode.USAGE);
        }
        const options = globalOptions(command);
        const { io } = env;
        const password = await readPassword({
          input: io.stdin,
          prompt: io.stderr,
          userName: flags.user,
          purpose: "existing",
          command: `tstasks token --user ${flags.user}`,
        });
        const { token, expiresAt } = await (await clientFor({ ...options, token: undefined })).createToken(flags.user, password);
        if (options.output === "json") printJson(io.stdout, { token, expiresAt });
        else printLine(io.stdout, token);
        return ExitCode.OK;
      }),
    );
}
