import { ConfigError } from "../config/env-config.js";
import { defaultLogger } from "../log/default-logger.js";

/**
 * Runs an entry point's `main` and exits 1 if it fails: a configuration
 * problem prints just its message on standard error (it says what to fix,
 * and comes before any logger exists: `LOG_LEVEL` itself may be the bad
 * value); anything else is logged at fatal with the whole error (`err`) by
 * the process's root logger, whose lines are written synchronously, so they
 * are out before the exit. When `main` resolves, the process ends on its own
 * once idle, or exits a second later at most (with `process.exitCode` if
 * `main` set one, else 0): a task that ignored its
 * shutdown signal was abandoned (and released) but may still hold a timer,
 * and must not keep the process alive.
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => {
      // No argument: an exit code `main` set (a CLI's failed command) stands.
      setTimeout(() => process.exit(), 1000).unref();
    },
    (e: unknown) => {
      if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
      else defaultLogger().fatal({ err: e }, "stopped by an unexpected error");
      process.exit(1);
    },
  );
}
