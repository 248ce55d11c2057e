import type { TaskEvent } from "../../index.js";
import type { CliOutput } from "../cli-io.js";
import type { WatchView } from "./watch-view.js";

/**
 * Events as JSON Lines for scripts: one compact object per line, exactly
 * the client's TaskEvent (`{"kind":"task","task":{…}}`, `{"kind":"progress",
 * "fraction":0.4,"message":"…","attempt":1}`, `{"kind":"log","line":{…}}`);
 * dates as ISO strings. The last line is the final task.
 */
export function createJsonWatchView(out: CliOutput): WatchView {
  return {
    event(event: TaskEvent) {
      out.write(`${JSON.stringify(event)}\n`);
    },
    close() {},
  };
}
