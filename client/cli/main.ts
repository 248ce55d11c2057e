#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// Entry point of the `tstasks` command (see docs/cli.md). Ctrl-C aborts
// the running command (which restores the terminal) instead of killing the
// process mid-display; a second Ctrl-C kills it.

async function main(): Promise<void> {
  // A reader that stops early (`tstasks watch ID | head -3`) is not an error: stop quietly.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  const interrupt = new AbortController();
  process.once("SIGINT", () => interrupt.abort(new Error("interrupted")));
  const code = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: interrupt.signal,
  });
  await exitWhenFlushed(code);
}

/**
 * Exits once everything written has left the process: idle keep-alive
 * connections of the client must not hold the command open.
 */
async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write("", () => resolve()))));
  process.exit(code);
}

main().catch(async (err: unknown) => {
  // A bug, not a usage, API or task failure: show all of it.
  process.stderr.write(`tstasks: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await exitWhenFlushed(4);
});
