import type { Logger } from "./logger.js";
import type { LogFormat } from "./log-settings.js";

/** What a process says once it is up; see {@link logStartBanner}. */
export interface StartBanner {
  /** The first line, e.g. `tstasks is running on http://localhost:8080`: what tests and scripts wait for. */
  title: string;
  /** Readable detail lines under the title in `pretty` format (backends, worker, a curl to try). */
  details: readonly string[];
  /** The same facts as fields of the one JSON line in `json` format. */
  fields: Record<string, unknown>;
}

/**
 * Logs a start banner at info: in `pretty` format as the title followed by
 * its indented detail lines, for a person at a terminal; in `json` format
 * as one line whose `msg` is the title and whose fields carry the details,
 * for machines. Either way `LOG_LEVEL` above info hides it.
 */
export function logStartBanner(log: Logger, format: LogFormat, banner: StartBanner): void {
  if (format === "pretty") log.info([banner.title, ...banner.details.map((d) => `  ${d}`)].join("\n"));
  else log.info(banner.fields, banner.title);
}
