/** The levels `LOG_LEVEL` accepts, most verbose first; `silent` writes nothing. */
export const LOG_LEVEL_NAMES = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** A level the process logger writes at or above (`LOG_LEVEL`). */
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

/** The output formats `LOG_FORMAT` accepts. */
export const LOG_FORMATS = ["json", "pretty"] as const;

/**
 * How log lines are written (`LOG_FORMAT`): `json`, one JSON object per line
 * (for log collectors, tests and CI), or `pretty`, one readable line per
 * entry (for a developer's terminal).
 */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** True when `value` is one of {@link LOG_LEVEL_NAMES}. */
export function isLogLevelName(value: unknown): value is LogLevelName {
  return typeof value === "string" && (LOG_LEVEL_NAMES as readonly string[]).includes(value);
}

/** True when `value` is one of {@link LOG_FORMATS}. */
export function isLogFormat(value: unknown): value is LogFormat {
  return typeof value === "string" && (LOG_FORMATS as readonly string[]).includes(value);
}

/** What {@link resolveLogFormat} decides from. */
export interface LogFormatChoice {
  /** `LOG_FORMAT` when set; it wins. */
  logFormat?: LogFormat | undefined;
  /** `NODE_ENV=production`. */
  production?: boolean;
  /** Whether the output is a terminal. Default: `process.stdout.isTTY`. */
  isTTY?: boolean;
}

/**
 * The format to write in: `LOG_FORMAT` when set; otherwise `pretty` only
 * outside production on a terminal, and `json` everywhere else, so that
 * production, tests, CI and anything reading a pipe get JSON lines.
 */
export function resolveLogFormat(choice: LogFormatChoice = {}): LogFormat {
  if (choice.logFormat !== undefined) return choice.logFormat;
  const isTTY = choice.isTTY ?? process.stdout.isTTY === true;
  return !choice.production && isTTY ? "pretty" : "json";
}
