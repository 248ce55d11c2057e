/** The longest retention accepted: 36500d (100 years), far past any use and far inside a Date's range. */
export const MAX_RETENTION_MS = 36_500 * 86_400_000;

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Thrown by {@link parseRetentionDuration}; the message says what is wrong and what would do. */
export class InvalidRetentionError extends Error {
  override name = "InvalidRetentionError";
}

/**
 * Parses a retention such as `7d`, `12h`, `30m` or `90s` (a whole number and
 * one unit: s, m, h or d; surrounding spaces ignored) into milliseconds.
 * `0` and `off` (any case) mean "keep forever" and give `null`.
 *
 * Refused on purpose: a bare number other than 0 (`3600` could be seconds or
 * milliseconds, and a wrong guess deletes results early), a zero with a unit
 * (`0d` reads like "off" but would delete every finished task at once), and
 * more than {@link MAX_RETENTION_MS}.
 * @returns the duration in ms (at least 1000), or `null` for off.
 * @throws InvalidRetentionError naming `text` and the accepted forms.
 */
export function parseRetentionDuration(text: string): number | null {
  const t = text.trim();
  if (t === "0" || t.toLowerCase() === "off") return null;
  const match = DURATION.exec(t);
  if (!match) {
    throw new InvalidRetentionError(
      `"${text}" is not a duration: use a whole number and a unit (7d, 12h, 30m, 90s), or 0 or off to keep tasks forever`,
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms === 0) throw new InvalidRetentionError(`"${text}" would delete every finished task at once: use 0 or off to keep tasks forever`);
  if (ms > MAX_RETENTION_MS) throw new InvalidRetentionError(`"${text}" is too long: at most 36500d, or 0 or off to keep tasks forever`);
  return ms;
}
