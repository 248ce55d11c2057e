import { spawn } from "node:child_process";
import type { SpawnOptions } from "node:child_process";
import { registerExitCleanup } from "./process-cleanup.js";

/** How many bytes of a child's combined stdout/stderr are kept for error messages. */
const OUTPUT_TAIL_BYTES = 16 * 1024;

/** Options for {@link startManagedProcess}. */
export interface ManagedProcessOptions {
  /** Shown in error messages, e.g. "postgres". */
  label: string;
  /** Run as this uid/gid (needs root); default: the current user. */
  uid?: number;
  gid?: number;
  /** Working directory; default: the current one. */
  cwd?: string;
  /** Environment; default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A long-running child process that is killed when the test process exits,
 * keeps the tail of its output for diagnostics, and can be awaited.
 */
export interface ManagedProcess {
  readonly pid: number;
  /** Set once the process has exited (by code or by signal). */
  readonly exited: boolean;
  /** The last {@link OUTPUT_TAIL_BYTES} bytes of stdout+stderr. */
  output(): string;
  /** Resolves when the process has exited; resolves at once if it already has. */
  waitForExit(): Promise<void>;
  /**
   * Sends `signal`; if the process is still alive after `graceMs`
   * (default 10 000), sends SIGKILL. Resolves once it has exited.
   */
  terminate(signal: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** An Error describing an early exit, or `undefined` while it runs. */
  exitError(): Error | undefined;
}

/**
 * Spawns `command args` with piped output and registers it for cleanup on
 * process exit.
 *
 * @throws Error when the process cannot be spawned (e.g. ENOENT).
 */
export async function startManagedProcess(
  command: string,
  args: readonly string[],
  options: ManagedProcessOptions,
): Promise<ManagedProcess> {
  const spawnOptions: SpawnOptions = {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
  };
  if (options.cwd !== undefined) spawnOptions.cwd = options.cwd;
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const child = spawn(command, args, spawnOptions);

  let tail = "";
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);

  let exitDescription: string | undefined;
  let unregister = (): void => {};
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitDescription = signal ? `signal ${signal}` : `code ${code}`;
      unregister();
      resolve();
    });
  });

  // A permanent listener: an unhandled "error" event (e.g. a failed kill) would crash the test.
  let spawnError: Error | undefined;
  child.on("error", (err) => {
    spawnError ??= err;
    tail += `\n[${options.label}: ${err.message}]`;
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", () => reject(new Error(`${options.label}: cannot start ${command}`, { cause: spawnError })));
  });
  // SIGKILL: the test process is ending, there is no time for a graceful stop.
  unregister = registerExitCleanup(() => child.kill("SIGKILL"));
  // Do not keep the event loop alive just for the server: the test decides when to stop it.
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();

  // While someone awaits the exit, the child must hold the event loop open, or
  // Node could end first and the exit clean-up would SIGKILL a graceful stop.
  const waitForExit = async (): Promise<void> => {
    child.ref();
    try {
      await exitPromise;
    } finally {
      child.unref();
    }
  };

  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.label}: spawned without a pid`);

  return {
    pid,
    get exited() {
      return exitDescription !== undefined;
    },
    output: () => tail,
    waitForExit,
    async terminate(signal, graceMs = 10_000) {
      if (exitDescription !== undefined) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        await waitForExit();
      } finally {
        clearTimeout(timer);
      }
    },
    exitError() {
      if (exitDescription === undefined) return undefined;
      return new Error(`${options.label} exited (${exitDescription}); its output ended with:\n${tail}`);
    },
  };
}
