import { useEffect, useState } from "preact/hooks";
import type { LogLine, TaskInfo } from "../../../../client/browser.js";
import { isUnauthenticatedError, type Api } from "../api.js";

/** What the task page shows, kept current by {@link useTaskWatch}. */
export interface TaskWatch {
  task?: TaskInfo;
  /** The latest progress report (from the stream, or the task's stored progress). */
  progress?: { fraction: number; message: string };
  /** The task's log lines, oldest first, each once. */
  logs: LogLine[];
  /** True while the event stream is open (the task is not final yet). */
  live: boolean;
  /** Why the task or its stream could not be read (not found, the stream gave up…). */
  error?: unknown;
}

/** Adds `lines` to `logs` by `seq`, keeping each line once and the order. */
function mergeLogs(logs: LogLine[], lines: readonly LogLine[]): LogLine[] {
  const seen = new Set(logs.map((l) => l.seq));
  const added = lines.filter((l) => !seen.has(l.seq));
  return added.length === 0 ? logs : [...logs, ...added].sort((a, b) => a.seq - b.seq);
}

/**
 * Follows a task with `WatchTask` (through the client's `watch`, which
 * re-subscribes after a dropped stream): its snapshot, every status change,
 * progress report and log line, until it is final. The lines written before
 * the page opened come from `GetTaskLogs`, merged by `seq`. A new
 * `generation` (after Retry) starts following again; leaving the page closes
 * the stream.
 */
export function useTaskWatch(api: Api, id: string, generation: number): [TaskWatch, (t: TaskInfo) => void] {
  const [state, setState] = useState<TaskWatch>({ logs: [], live: true });
  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    setState((s) => ({ ...s, live: true, error: undefined }));
    api.client.logs(id, { signal }).then(
      (r) => signal.aborted || setState((s) => ({ ...s, logs: mergeLogs(s.logs, r.lines) })),
      () => {
        // The stream below reports a task that cannot be read; a failed log read alone is not worth a second error.
      },
    );
    (async () => {
      try {
        for await (const event of api.client.watch(id, { signal })) {
          if (event.kind === "task") {
            const t = event.task;
            setState((s) => ({
              ...s,
              task: t,
              // The stored progress, unless the stream already brought a newer report of this run.
              progress: s.progress && t.status === "STARTED" && s.progress.fraction >= t.progress ? s.progress : { fraction: t.progress, message: t.progressMessage },
            }));
          } else if (event.kind === "progress") {
            setState((s) => ({ ...s, progress: { fraction: event.fraction, message: event.message } }));
          } else {
            setState((s) => ({ ...s, logs: mergeLogs(s.logs, [event.line]) }));
          }
        }
        if (!signal.aborted) setState((s) => ({ ...s, live: false }));
      } catch (error) {
        if (signal.aborted) return;
        // A stream's 401 arrives in its end message, past the interceptor that handles unary calls.
        if (isUnauthenticatedError(error)) api.unauthenticated();
        setState((s) => ({ ...s, live: false, error }));
      }
    })();
    return () => abort.abort();
  }, [api, id, generation]);
  const setTask = (task: TaskInfo) => setState((s) => ({ ...s, task }));
  return [state, setTask];
}
