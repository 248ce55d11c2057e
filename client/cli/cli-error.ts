import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

/**
 * A failure the CLI reports as one line on standard error (`tstasks: <message>`)
 * before exiting with `exitCode` (default {@link ExitCode.API_ERROR}).
 */
export class CliError extends Error {
  override name = "CliError";
  /** The exit status to end with. */
  readonly exitCode: ExitCodeValue;

  constructor(message: string, exitCode: ExitCodeValue = ExitCode.API_ERROR, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
