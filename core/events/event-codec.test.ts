import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeTaskEvent, encodeTaskEvent } from "./event-codec.js";
import type { TaskEvent } from "./task-event.js";

test("every kind of event survives encode then decode", () => {
  const events: TaskEvent[] = [
    { kind: "status", taskId: "a", status: "RETRY", attempt: 2 },
    { kind: "progress", taskId: "a", attempt: 1, fraction: 0.25, message: "" },
    { kind: "log", taskId: "a", attempt: 1, seq: 12, level: "error", message: "x", at: 5 },
  ];
  for (const e of events) assert.deepEqual(decodeTaskEvent(encodeTaskEvent(e)), e);
});

test("anything malformed decodes to undefined (any NATS client can publish on the subject)", () => {
  for (const text of [
    "not json",
    "null",
    "42",
    JSON.stringify({ kind: "status", taskId: "a", status: "DONE", attempt: 1 }),
    JSON.stringify({ kind: "status", taskId: 7, status: "SUCCESS", attempt: 1 }),
    JSON.stringify({ kind: "progress", taskId: "a", attempt: 1, fraction: "half", message: "" }),
    JSON.stringify({ kind: "log", taskId: "a", attempt: 1, seq: 1, level: "fatal", message: "", at: 1 }),
    JSON.stringify({ kind: "other", taskId: "a", attempt: 1 }),
  ]) {
    assert.equal(decodeTaskEvent(text), undefined, text);
  }
});

test("decoding keeps only known fields", () => {
  const decoded = decodeTaskEvent(JSON.stringify({ kind: "status", taskId: "a", status: "SUCCESS", attempt: 1, extra: "dropped" }));
  assert.deepEqual(decoded, { kind: "status", taskId: "a", status: "SUCCESS", attempt: 1 });
});
