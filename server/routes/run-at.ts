import { RequestInvalidError } from "../errors/domain-errors.js";

/** Longest delay a submission may ask for. */
const MAX_DELAY_MS = 30 * 24 * 3600_000;

/**
 * When a submitted task may run: `runAt`, or now + `delayMs`, or null for at
 * once (also when the time is already past). Throws RequestInvalidError for
 * both at once, or a time more than 30 days ahead.
 */
export function resolveRunAt(runAt: Date | undefined, delayMs: number, now = Date.now()): Date | null {
  if (runAt && delayMs > 0) {
    throw new RequestInvalidError("Input payload validation failed", { run_at: "give run_at or delay_ms, not both" });
  }
  const at = runAt ? runAt.getTime() : delayMs > 0 ? now + delayMs : undefined;
  if (at === undefined || at <= now) return null;
  if (at - now > MAX_DELAY_MS) {
    throw new RequestInvalidError("Input payload validation failed", {
      [runAt ? "run_at" : "delay_ms"]: "must be at most 30 days ahead",
    });
  }
  return new Date(at);
}
