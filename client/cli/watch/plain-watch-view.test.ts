import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import type { TaskEvent, TaskInfo } from "../../index.js";
import { createJsonWatchView } from "./json-watch-view.js";
import { createPlainWatchView } from "./plain-watch-view.js";

function task(over: Partial<TaskInfo>): TaskInfo {
  return {
    id: "t1", type: "demo.main.pi", status: "PENDING", args: {}, errors: [], queue: "default", attempts: 0, worker: "",
    owner: "", idempotencyKey: "", timeoutMs: 0, progress: 0, progressMessage: "", priority: 5, ...over,
  };
}

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = "";
  out.setEncoding("utf8").on("data", (d: string) => (text += d));
  return { out, text: () => text };
}

test("plain lines: one per event; a repeated status is not repeated; RETRY and FAILURE carry the error", () => {
  const { out, text } = capture();
  const view = createPlainWatchView(out);
  const error = { type: "Error", message: "boom", attempt: 1 };
  const events: TaskEvent[] = [
    { kind: "task", task: task({ status: "STARTED", attempts: 1, progress: 0.3, progressMessage: "chunk 3/10" }) },
    { kind: "task", task: task({ status: "STARTED", attempts: 1 }) },
    { kind: "progress", fraction: 0.4, message: "chunk 4/10", attempt: 1 },
    { kind: "log", line: { seq: 1, level: "warn", message: "hot", attempt: 1 } },
    { kind: "task", task: task({ status: "RETRY", attempts: 1, error }) },
    { kind: "task", task: task({ status: "STARTED", attempts: 2, progress: 0.1 }) },
    { kind: "progress", fraction: 1, message: "", attempt: 2 },
    { kind: "task", task: task({ status: "FAILURE", attempts: 2, error: { ...error, attempt: 2 } }) },
  ];
  for (const e of events) view.event(e);
  view.close(task({ status: "FAILURE" }));
  assert.equal(
    text(),
    [
      "status STARTED",
      "progress 0.30 chunk 3/10",
      "progress 0.40 chunk 4/10",
      "log warn hot",
      "status RETRY Error: boom",
      "status STARTED",
      "progress 1.00",
      "status FAILURE Error: boom",
      "",
    ].join("\n"),
  );
});

test("json lines: each event as one object, dates as ISO strings", () => {
  const { out, text } = capture();
  const view = createJsonWatchView(out);
  view.event({ kind: "task", task: task({ createdAt: new Date(0) }) });
  view.event({ kind: "progress", fraction: 0.5, message: "half", attempt: 1 });
  view.close();
  const lines = text().trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines[0].task.createdAt, "1970-01-01T00:00:00.000Z");
  assert.deepEqual(lines[1], { kind: "progress", fraction: 0.5, message: "half", attempt: 1 });
});
