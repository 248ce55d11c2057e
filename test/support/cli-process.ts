import { spawn } from "node:child_process";
import { join } from "node:path";

const REPO = join(import.meta.dirname, "../..");
const MAIN = join(REPO, "client/cli/main.ts");
// node itself with the loader (not the tsx wrapper, which forks once more), as `npm run tstasks` runs it.
const TSX_LOADER = import.meta.resolve("tsx");

/** How a `tstasks` run ended. */
export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tstasks ARGS` (client/cli/main.ts) as a child process from the
 * repository's folder, with `stdin` as standard input (default: empty) and
 * an environment of PATH, HOME and `env` only (never the test runner's own
 * TSTASKS_* variables); resolves when it exits.
 */
export function runTstasks(args: readonly string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliOutcome> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN, ...args], {
    cwd: REPO,
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
