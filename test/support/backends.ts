/** The two backends every behaviour test runs on. */
export type Backend = "real" | "embedded";

/**
 * Backends to test, from `TSTASKS_TEST_BACKENDS` (comma list; default both):
 * `real` = private Postgres + nats-server, `embedded` = PGlite + in-process queue.
 */
export const BACKENDS: readonly Backend[] = (process.env["TSTASKS_TEST_BACKENDS"] ?? "real,embedded")
  .split(",")
  .map((b) => b.trim())
  .filter((b): b is Backend => {
    if (b !== "real" && b !== "embedded") throw new Error(`TSTASKS_TEST_BACKENDS: unknown backend "${b}" (real, embedded)`);
    return true;
  });
