import { ConfigError } from "../config/env-config.js";

/**
 * Runs an entry point's `main` and exits 1 if it fails: a configuration
 * problem prints just its message (it says what to fix); anything else
 * prints the whole error for the operator. When `main` resolves, the
 * process ends on its own once idle, or exits 0 a second later at most: a
 * task that ignored its shutdown signal was abandoned (and released) but may
 * still hold a timer, and must not keep the process alive.
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => {
      setTimeout(() => process.exit(0), 1000).unref();
    },
    (e: unknown) => {
      console.error(e instanceof ConfigError ? e.message : e);
      process.exit(1);
    },
  );
}
