import { useState } from "preact/hooks";
import type { TaskStatsBucketInfo, TaskStatsInfo, WorkerInfo } from "../../../../client/browser.js";
import { useApp } from "../app-context.js";
import { ErrorBox } from "../components/error-box.js";
import { TimeChart } from "../components/time-chart.js";
import { formatDuration, formatTime } from "../format.js";
import { useAsync } from "../hooks/use-async.js";
import { useInterval } from "../hooks/use-interval.js";

/** The page reads workers and stats again this often. */
const REFRESH_MS = 5000;
/** The charts' time windows, each in 60 buckets; the first is the default. */
const WINDOWS: readonly { seconds: number; label: string }[] = [
  { seconds: 300, label: "last 5 minutes" },
  { seconds: 900, label: "last 15 minutes" },
  { seconds: 3600, label: "last hour" },
];
const BUCKETS = 60;

/**
 * Workers and load (`#/workers`): the registered workers (the client's
 * `workers`, MonitorService ListWorkers) with heartbeat age, queues,
 * concurrency and tasks in flight; throughput and latency over the last
 * minutes and each queue's depth (`stats`, GetTaskStats), over a window of 5 minutes, 15 minutes or an hour. Each
 * part shows its own error and the rest keeps working.
 */
export function WorkersPage() {
  const { api } = useApp();
  const workers = useAsync((signal) => api.client.workers({ signal }), []);
  const [windowSeconds, setWindowSeconds] = useState(WINDOWS[0]!.seconds);
  const stats = useAsync(
    (signal) => api.client.stats({ windowSeconds, bucketSeconds: windowSeconds / BUCKETS, signal }),
    [windowSeconds],
  );
  useInterval(() => {
    workers.reload();
    stats.reload();
  }, REFRESH_MS);
  return (
    <section>
      <h1>Workers</h1>
      {workers.error !== undefined ? <ErrorBox error={workers.error} context="workers" /> : null}
      {workers.data ? <WorkerTable workers={workers.data} /> : null}
      <h2>Queues</h2>
      {stats.error !== undefined ? <ErrorBox error={stats.error} context="task statistics" /> : null}
      {stats.data ? <QueueTable stats={stats.data} /> : null}
      <div class="title-row section-head">
        <h2>Throughput and latency</h2>
        <select name="window" aria-label="Chart window" value={String(windowSeconds)} onChange={(e) => setWindowSeconds(Number(e.currentTarget.value))}>
          {WINDOWS.map((w) => (
            <option key={w.seconds} value={String(w.seconds)}>
              {w.label}
            </option>
          ))}
        </select>
      </div>
      {stats.data ? <Charts stats={stats.data} /> : null}
      <p class="muted small">Refreshed every {REFRESH_MS / 1000} s.</p>
    </section>
  );
}

function WorkerTable({ workers }: { workers: WorkerInfo[] }) {
  if (workers.length === 0) return <p class="empty">No worker has registered: start one with npm run worker (or npm start).</p>;
  return (
    <table class="workers">
      <thead>
        <tr>
          <th>Worker</th>
          <th>Host</th>
          <th class="num">PID</th>
          <th>State</th>
          <th class="num">Heartbeat</th>
          <th>Queues</th>
          <th class="num">In flight</th>
          <th>Started</th>
        </tr>
      </thead>
      <tbody>
        {workers.map((w) => (
          <tr key={w.id} class={w.alive ? undefined : "dead"}>
            <td class="mono small" title={`${w.id}\n${w.taskTypes.join("\n")}`}>
              {w.name}
            </td>
            <td>{w.hostname}</td>
            <td class="num">{w.pid}</td>
            <td>{w.alive ? <span class="badge status-success">alive</span> : <span class="badge status-failure">silent</span>}</td>
            <td class="num">{formatDuration(w.heartbeatAgeSeconds * 1000)} ago</td>
            <td>{w.queues.join(", ")}</td>
            <td class="num">
              {w.inFlight} / {w.concurrency}
            </td>
            <td>{formatTime(w.startedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function QueueTable({ stats }: { stats: TaskStatsInfo }) {
  if (stats.queues.length === 0) return <p class="empty">No task is waiting or running.</p>;
  return (
    <table class="queues">
      <thead>
        <tr>
          <th>Queue</th>
          <th class="num">Waiting</th>
          <th class="num">Running</th>
          <th class="num">Oldest waiting</th>
        </tr>
      </thead>
      <tbody>
        {stats.queues.map((q) => (
          <tr key={q.queue}>
            <td>{q.queue}</td>
            <td class="num">{q.waiting}</td>
            <td class="num">{q.running}</td>
            <td class="num">{q.oldestWaitingSeconds > 0 ? formatDuration(q.oldestWaitingSeconds * 1000) : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Charts({ stats }: { stats: TaskStatsInfo }) {
  const times = stats.buckets.map((b) => b.start.getTime() / 1000);
  const per = `tasks / ${stats.bucketSeconds} s`;
  // A bucket where no task ended has no latency: a gap, not a zero.
  const latency = (pick: (b: TaskStatsBucketInfo) => number) => stats.buckets.map((b) => (b.succeeded + b.failed > 0 ? pick(b) : null));
  return (
    <div class="charts">
      <div class="card">
        <TimeChart
          title="Throughput"
          unit={per}
          times={times}
          series={[
            { label: "submitted", color: "#3b6fd8", values: stats.buckets.map((b) => b.submitted) },
            { label: "succeeded", color: "#2e9d57", values: stats.buckets.map((b) => b.succeeded) },
            { label: "failed", color: "#d2453c", values: stats.buckets.map((b) => b.failed) },
          ]}
        />
      </div>
      <div class="card">
        <TimeChart
          title="Latency, submit to final"
          unit="ms"
          times={times}
          series={[
            { label: "p50", color: "#3b6fd8", values: latency((b) => b.latencyP50Ms) },
            { label: "p95", color: "#c9781e", values: latency((b) => b.latencyP95Ms) },
            { label: "wait p50", color: "#8a63c9", values: stats.buckets.map((b) => (b.waitP50Ms > 0 ? b.waitP50Ms : null)) },
          ]}
        />
      </div>
    </div>
  );
}
