import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import type { ExitCodeValue } from "./exit-codes.js";

/** What every command's registration gets from the program. */
export interface CommandEnv {
  io: CliIo;
  /**
   * Wraps an action: commander calls the wrapper with the positional
   * arguments, the command's options and the command; the action's
   * returned status becomes the exit status of the run.
   */
  action<A extends unknown[]>(run: (...args: A) => Promise<ExitCodeValue>): (...args: A) => Promise<void>;
}

/** Registers one subcommand on the program. */
export type RegisterCommand = (program: Command, env: CommandEnv) => void;
