import type { WorkerInfo } from "../index.js";
import { table } from "./format-task.js";

/** Seconds as a short age: `4.2s`, `12m03s`, `2h05m`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m`;
}

/** Workers as a table, in the server's order (alive first): NAME, ID, ALIVE, HEARTBEAT (age), QUEUES, CONCURRENCY, IN-FLIGHT. */
export function formatWorkerTable(workers: readonly WorkerInfo[]): string {
  return table(
    ["NAME", "ID", "ALIVE", "HEARTBEAT", "QUEUES", "CONCURRENCY", "IN-FLIGHT"],
    workers.map((w) => [
      w.name,
      w.id,
      w.alive ? "yes" : "no",
      `${formatAge(w.heartbeatAgeSeconds)} ago`,
      w.queues.join(",") || "-",
      String(w.concurrency),
      String(w.inFlight),
    ]),
  );
}
