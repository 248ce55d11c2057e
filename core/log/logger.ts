import { pino, type DestinationStream, type Logger } from "pino";
import pinoPretty from "pino-pretty";
import { resolveLogFormat, type LogFormat, type LogLevelName } from "./log-settings.js";
import { REDACT_PATHS, censor } from "./redaction.js";
import { serializeError } from "./error-serializer.js";

export type { Logger } from "pino";

/**
 * What {@link createLogger} needs. The field names are the configuration's
 * (`Config.logLevel`, `Config.logFormat`, `Config.production`), so
 * `createLogger(config)` works.
 */
export interface LoggerOptions {
  /** Least level written (`LOG_LEVEL`). Default `info`. */
  logLevel?: LogLevelName;
  /** `json` or `pretty` (`LOG_FORMAT`). Default: see {@link resolveLogFormat}. */
  logFormat?: LogFormat | undefined;
  /** `NODE_ENV=production`: never pretty unless `logFormat` says so. Default false. */
  production?: boolean;
  /**
   * Where lines go (tests pass a stream to capture them). Default: standard
   * output, written synchronously. Given a destination and no `logFormat`,
   * the format is `json`.
   */
  destination?: DestinationStream;
}

/**
 * Creates a root logger (pino): one JSON object per line with `time` (ISO
 * 8601), `level` (its name: `info`, `warn`, …), `pid`, `hostname`, `msg` and
 * the line's fields; errors go under `err` with type, message, stack and
 * cause (see {@link serializeError}). Secrets are redacted wherever
 * {@link REDACT_PATHS} finds them (passwords of database and NATS URLs
 * become `***`).
 *
 * Components get children of it: `log.child({ component: "worker" })`.
 *
 * `pretty` writes `[time] LEVEL: [component] message {fields}` lines (with
 * colours on a terminal), formatted on the calling thread.
 *
 * Lines are written synchronously in both formats (as console.log writes
 * to a pipe or a terminal on Linux), never through a worker thread, so the
 * last lines before a `process.exit` are never lost and nothing needs
 * flushing at shutdown. Level checks come first: a disabled line costs a
 * no-op call.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = resolveLogFormat({
    logFormat: options.logFormat,
    production: options.production,
    isTTY: options.destination ? false : undefined,
  });
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: options.logLevel ?? "info",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: [...REDACT_PATHS], censor },
    },
    format === "pretty" ? prettyStream(out, options.destination === undefined && process.stdout.isTTY === true) : out,
  );
}

/** A destination that turns each JSON line into a readable one and writes it to `out` on the spot. */
function prettyStream(out: DestinationStream, colorize: boolean): DestinationStream {
  // pino-pretty's prettifier alone, not its stream: that stream is a Transform that may hold the last lines back at exit.
  const pretty = pinoPretty.prettyFactory({
    colorize: colorize && pinoPretty.isColorSupported,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,component",
    singleLine: true,
    messageFormat: (log, messageKey) => {
      const component = typeof log["component"] === "string" ? `[${log["component"]}] ` : "";
      return `${component}${String(log[messageKey] ?? "")}`;
    },
  });
  return { write: (line: string) => void out.write(pretty(line)) };
}
