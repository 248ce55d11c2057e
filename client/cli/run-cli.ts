import { CommanderError } from "commander";
import type { CliIo } from "./cli-io.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { DEFAULT_URL } from "./global-options.js";
import { createProgram } from "./program.js";

/**
 * Runs one `tstasks` command line (`argv` without node and the script) and
 * returns its exit status (see exit-codes.ts). Expected failures are
 * reported as one `tstasks: …` line on `io.stderr`.
 * @throws errors that are bugs (not a usage, API, network or task failure).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let code: ExitCodeValue = ExitCode.OK;
  const program = createProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    // Help and usage errors were printed by commander already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    if (io.signal.aborted) {
      io.stderr.write("tstasks: interrupted\n");
      return ExitCode.INTERRUPTED;
    }
    const url = (program.opts() as { url?: string }).url ?? DEFAULT_URL;
    // Loaded only now: it needs the client's error classes (see clientFor).
    const { describeError } = await import("./describe-error.js");
    const report = describeError(err, { url });
    if (!report) throw err;
    io.stderr.write(`tstasks: ${report.message}\n`);
    return report.code;
  }
}
