import { useState } from "preact/hooks";
import { isFinalStatus, type LogLine, type TaskInfo } from "../../../../client/browser.js";
import { useApp } from "../app-context.js";
import { ErrorBox } from "../components/error-box.js";
import { JsonBlock } from "../components/json-block.js";
import { ProgressBar } from "../components/progress-bar.js";
import { StatusBadge } from "../components/status-badge.js";
import { formatDuration, formatSpan, formatTime } from "../format.js";
import { useTaskWatch } from "../hooks/use-task-watch.js";
import { href } from "../route.js";

/**
 * A task's page (`#/task/<id>`): its arguments, result or every attempt's
 * error, timestamps and worker, with live progress and log lines while it
 * runs, and the Cancel and Retry buttons.
 */
export function TaskPage({ id }: { id: string }) {
  const { api } = useApp();
  const [generation, setGeneration] = useState(0);
  const [watch, setTask] = useTaskWatch(api, id, generation);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const task = watch.task;

  const act = async (action: "cancel" | "retry") => {
    setBusy(true);
    setActionError(undefined);
    try {
      setTask(await (action === "cancel" ? api.client.cancel(id) : api.client.retry(id)));
      // A retried task runs again: follow the new attempt.
      if (action === "retry") setGeneration((g) => g + 1);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!task) {
    return (
      <section>
        <p>
          <a href={href.tasks()}>← Tasks</a>
        </p>
        {watch.error !== undefined ? <ErrorBox error={watch.error} context={`task ${id}`} /> : <p class="muted">Loading task {id}…</p>}
      </section>
    );
  }
  const final = isFinalStatus(task.status);
  const progress = watch.progress;
  return (
    <section class="task-page">
      <p>
        <a href={href.tasks()}>← Tasks</a>
      </p>
      <div class="title-row">
        <h1>{task.type}</h1>
        <StatusBadge status={task.status} />
        {watch.live ? <span class="live">● live</span> : null}
        <span class="spacer" />
        <button type="button" class="danger" disabled={busy || final} onClick={() => act("cancel")}>
          Cancel
        </button>
        <button type="button" disabled={busy || (task.status !== "FAILURE" && task.status !== "REVOKED")} onClick={() => act("retry")}>
          Retry
        </button>
      </div>
      <p class="mono small">{task.id}</p>
      {actionError !== undefined ? <ErrorBox error={actionError} /> : null}
      {watch.error !== undefined ? <ErrorBox error={watch.error} context="live updates" /> : null}
      {progress && (task.status === "STARTED" || progress.fraction > 0) ? <ProgressBar fraction={progress.fraction} message={progress.message} /> : null}
      <TaskDetails task={task} />
      <div class="columns">
        <div>
          <h2>Arguments</h2>
          <JsonBlock value={task.args} label="arguments" />
        </div>
        <div>
          <h2>Result</h2>
          {task.status === "SUCCESS" ? <JsonBlock value={task.result} label="result" /> : <p class="muted">{final ? "none" : "not yet"}</p>}
        </div>
      </div>
      {task.errors.length > 0 ? <AttemptErrors task={task} /> : null}
      <h2>Log</h2>
      <LogTable lines={watch.logs} />
    </section>
  );
}

function TaskDetails({ task }: { task: TaskInfo }) {
  const rows: [string, string][] = [
    ["Queue", task.queue],
    ["Owner", task.owner || "anonymous"],
    ["Worker", task.worker || "—"],
    ["Attempts", String(task.attempts)],
    ["Created", formatTime(task.createdAt)],
    ["Run at", formatTime(task.runAt)],
    ["Started", formatTime(task.startedAt)],
    ["Finished", formatTime(task.finishedAt)],
    ["Run time", formatSpan(task.startedAt, task.finishedAt)],
    ["Time limit", task.timeoutMs > 0 ? formatDuration(task.timeoutMs) : "none"],
  ];
  if (task.expiresAt) rows.push(["Must start by", formatTime(task.expiresAt)]);
  if (task.idempotencyKey) rows.push(["Idempotency key", task.idempotencyKey]);
  return (
    <dl class="details">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function AttemptErrors({ task }: { task: TaskInfo }) {
  return (
    <>
      <h2>Errors</h2>
      <table class="errors">
        <thead>
          <tr>
            <th class="num">Attempt</th>
            <th>Type</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {task.errors.map((e) => (
            <tr key={e.attempt}>
              <td class="num">{e.attempt}</td>
              <td class="mono">{e.type}</td>
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function LogTable({ lines }: { lines: LogLine[] }) {
  if (lines.length === 0) return <p class="muted">No log lines.</p>;
  return (
    <table class="log">
      <tbody>
        {lines.map((l) => (
          <tr key={l.seq} class={`level-${l.level}`}>
            <td class="mono small">{formatTime(l.time)}</td>
            <td class="small">#{l.attempt}</td>
            <td class="small">{l.level}</td>
            <td class="mono">{l.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
