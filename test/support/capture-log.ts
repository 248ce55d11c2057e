import { createLogger, type Logger } from "../../core/log/logger.js";
import type { LogLevelName } from "../../core/log/log-settings.js";

/** A logger whose JSON lines are kept in memory; see {@link captureLog}. */
export interface CapturedLog {
  /** Writes JSON lines into this capture. */
  log: Logger;
  /** Every line written so far, parsed. */
  entries(): Record<string, unknown>[];
  /** The `msg` of every line written so far. */
  messages(): string[];
}

/**
 * A real pino logger (the one processes use, redaction and serializers
 * included) writing JSON into memory, at `level` (default `trace`), for
 * tests that assert on what a component logs.
 */
export function captureLog(level: LogLevelName = "trace"): CapturedLog {
  const lines: string[] = [];
  const log = createLogger({ logLevel: level, logFormat: "json", destination: { write: (line: string) => void lines.push(line) } });
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, entries, messages: () => entries().map((e) => String(e["msg"])) };
}
