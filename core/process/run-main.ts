import { ConfigError } from "../config/env-config.js";

/**
 * Runs an entry point's `main` and exits 1 if it fails: a configuration
 * problem prints just its message (it says what to fix); anything else
 * prints the whole error for the operator.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  });
}
