import { createLogger, type Logger } from "./logger.js";
import { isLogFormat, isLogLevelName } from "./log-settings.js";

let root: Logger | undefined;

/**
 * The process's shared root logger, created on first use from `LOG_LEVEL`,
 * `LOG_FORMAT` and `NODE_ENV` (a value that is not valid counts as unset:
 * the entry points validate them with the rest of the configuration before
 * anything logs). Components take a logger as an option and fall back to
 * this one, so a component built without one (a test, an embedding) still
 * reports its warnings and errors like a started process does.
 */
export function defaultLogger(): Logger {
  if (root === undefined) {
    const env = process.env;
    const level = env["LOG_LEVEL"]?.toLowerCase();
    const format = env["LOG_FORMAT"]?.toLowerCase();
    root = createLogger({
      logLevel: isLogLevelName(level) ? level : undefined,
      logFormat: isLogFormat(format) ? format : undefined,
      production: env["NODE_ENV"] === "production",
    });
  }
  return root;
}

/** A logger that writes nothing, for callers that want a component quiet (tests). */
export function silentLogger(): Logger {
  return createLogger({ logLevel: "silent", logFormat: "json", destination: { write: () => {} } });
}
