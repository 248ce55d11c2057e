import { RequestInvalidError } from "../errors/domain-errors.js";

/** The longest long poll: `GetTaskRequest.wait` above this is refused. */
export const MAX_WAIT_MS = 60_000;

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/**
 * Parses a long-poll wait such as "30s", "1.5s", "500ms" or "1m" into
 * milliseconds (rounded up); "" is 0 (answer at once). Anything else, or
 * more than {@link MAX_WAIT_MS}, throws RequestInvalidError naming `wait`.
 */
export function parseWaitDuration(text: string): number {
  if (text === "") return 0;
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new RequestInvalidError(`wait "${text}" is not a duration: use e.g. "30s", "1.5s" or "500ms" (at most 60s)`, {
      wait: 'must be a duration such as "30s", "1.5s" or "500ms"',
    });
  }
  const ms = Math.ceil(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  if (ms > MAX_WAIT_MS) {
    throw new RequestInvalidError(`wait "${text}" is too long: at most 60s`, { wait: "must be at most 60s" });
  }
  return ms;
}
