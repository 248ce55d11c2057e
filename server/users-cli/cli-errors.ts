/** A wrong command line: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An expected failure (user exists, unknown user, store in use): the CLI prints the message alone and exits 1. */
export class CliError extends Error {
  override name = "CliError";
}
