import assert from "node:assert/strict";
import { test } from "node:test";
import { formatAge, formatWorkerTable } from "./format-workers.js";

test("ages: seconds with a tenth below a minute, then minutes and seconds, then hours and minutes", () => {
  assert.equal(formatAge(0.04), "0.0s");
  assert.equal(formatAge(4.25), "4.3s");
  assert.equal(formatAge(59.94), "59.9s");
  assert.equal(formatAge(63), "1m03s");
  assert.equal(formatAge(3599.9), "59m59s");
  assert.equal(formatAge(7530), "2h05m");
});

test("the workers table: one row per worker in the given order, columns aligned", () => {
  const base = { hostname: "h", pid: 1, taskTypes: [], concurrency: 16, heartbeatAgeSeconds: 1.5 };
  const text = formatWorkerTable([
    { ...base, name: "w1", id: "h-1-aaaa", queues: ["default", "math"], inFlight: 3, alive: true },
    { ...base, name: "worker-22", id: "h-22-bbbbbbbb", queues: [], inFlight: 0, alive: false, concurrency: 2, heartbeatAgeSeconds: 75 },
  ]);
  assert.equal(
    text,
    [
      "NAME       ID             ALIVE  HEARTBEAT  QUEUES        CONCURRENCY  IN-FLIGHT",
      "w1         h-1-aaaa       yes    1.5s ago   default,math  16           3",
      "worker-22  h-22-bbbbbbbb  no     1m15s ago  -             2            0",
    ].join("\n"),
  );
});
