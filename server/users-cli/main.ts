import { runMain } from "../../core/process/run-main.js";
import { runUsersCli } from "./run-users-cli.js";

// Entry point of `npm run users`: manages the accounts in the database the
// server uses (see usage.ts). Sets the exit status rather than calling
// process.exit, so pending output is flushed first.

runMain(async () => {
  process.exitCode = await runUsersCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
});
