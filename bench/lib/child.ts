import { spawn } from "node:child_process";
import { registerExitCleanup } from "../../test/harness/process-cleanup.js";

/** How many characters of a child's output are kept for error messages. */
const TAIL_CHARS = 16 * 1024;

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Shown in errors and in the log prefix, e.g. "tstasks-worker". */
  label: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with every complete line of stdout and stderr. Default: none. */
  onLine?: (line: string) => void;
  /** Also print every line, prefixed with the label. Default: false. */
  echo?: boolean;
}

/** A child process that leads its own process group, so stopping it stops everything it started. */
export interface Child {
  readonly label: string;
  readonly pid: number;
  readonly exited: boolean;
  /** The last {@link TAIL_CHARS} characters of stdout+stderr. */
  output(): string;
  /** Resolves with the first line for which `test` holds; rejects if the child exits first or after `timeoutMs`. */
  waitForLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /**
   * Sends `signal` to the whole group, then SIGKILL to the group after
   * `graceMs` (default 10 000) if the leader still runs. Resolves on exit.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * Spawns `command args` as the leader of a new process group (`detached`),
 * with piped output split into lines. The group is SIGKILLed when the
 * benchmark exits, by signal or normally, if it was not stopped before.
 */
export async function startChild(command: string, args: readonly string[], options: ChildOptions): Promise<Child> {
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true,
  });
  let tail = "";
  let exitDescription: string | undefined;
  const waiters = new Set<(line: string) => void>();
  const onLine = (line: string): void => {
    if (options.echo) console.log(`[${options.label}] ${line}`);
    options.onLine?.(line);
    for (const waiter of [...waiters]) waiter(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-TAIL_CHARS);
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitDescription = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err) => reject(new Error(`${options.label}: cannot start ${command}: ${err.message}`)));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.label}: spawned without a pid`);
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const unregister = registerExitCleanup(() => killGroup("SIGKILL"));
  void exitPromise.then(() => {
    // The leader is gone; make sure nothing it started lingers (tsx's esbuild helper).
    killGroup("SIGKILL");
    unregister();
  });

  return {
    label: options.label,
    pid,
    get exited() {
      return exitDescription !== undefined;
    },
    output: () => tail,
    waitForLine(test, timeoutMs = 60_000) {
      return new Promise<string>((resolve, reject) => {
        const done = (): void => {
          waiters.delete(waiter);
          clearTimeout(timer);
        };
        const waiter = (line: string): void => {
          if (!test(line)) return;
          done();
          resolve(line);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${options.label}: no expected line after ${timeoutMs} ms; output ended with:\n${tail}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exitPromise.then(() => {
          if (!waiters.has(waiter)) return;
          done();
          reject(new Error(`${options.label} exited (${exitDescription}); output ended with:\n${tail}`));
        });
      });
    },
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      if (exitDescription !== undefined) return;
      killGroup(signal);
      const timer = setTimeout(() => killGroup("SIGKILL"), graceMs);
      try {
        await exitPromise;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
