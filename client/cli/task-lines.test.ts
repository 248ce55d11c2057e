import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError } from "./cli-error.js";
import { ExitCode } from "./exit-codes.js";
import { parseTaskLines } from "./task-lines.js";

test("one task per line, snake_case or camelCase options, blank lines skipped but counted", () => {
  const text = [
    '{"type":"test.main.add","args":{"x":1,"y":2},"idempotency_key":"k1","max_retries":0,"delay_ms":5}',
    "",
    '  {"type":"demo.main.pi","idempotencyKey":"k2","timeoutMs":7,"queueTimeoutMs":8,"runAt":"2030-01-02T03:04:05Z"}\r',
    '{"type":"t","timeout_ms":1,"queue_timeout_ms":2,"run_at":"2030-01-02T03:04:05.5+01:00"}',
    "   ",
  ].join("\n");
  const lines = parseTaskLines(text, "tasks.jsonl");
  assert.deepEqual(
    lines.map((l) => l.line),
    [1, 3, 4],
  );
  assert.deepEqual(lines[0]!.task, { type: "test.main.add", args: { x: 1, y: 2 }, idempotencyKey: "k1", maxRetries: 0, delayMs: 5 });
  assert.deepEqual(lines[1]!.task, {
    type: "demo.main.pi",
    args: {},
    idempotencyKey: "k2",
    timeoutMs: 7,
    queueTimeoutMs: 8,
    runAt: new Date("2030-01-02T03:04:05Z"),
  });
  assert.deepEqual(lines[2]!.task, { type: "t", args: {}, timeoutMs: 1, queueTimeoutMs: 2, runAt: new Date("2030-01-02T02:04:05.500Z") });
});

test("a bad line is a usage error naming its line and the source; so is no task at all", () => {
  const cases: [string, RegExp][] = [
    ['{"type":"t"}\n{"type":', /^line 2 of in\.jsonl: not valid JSON \(/],
    ["[1,2]", /^line 1 of in\.jsonl: expected a JSON object, e\.g\. \{"type"/],
    ['{"args":{}}', /^line 1 of in\.jsonl: "type" is required/],
    ['{"type":""}', /"type" is required/],
    ['{"type":5}', /"type" is required/],
    ['{"type":"t","args":[1]}', /^line 1 of in\.jsonl: "args" must be a JSON object$/],
    ['{"type":"t","arg":{}}', /^line 1 of in\.jsonl: unknown field "arg" \(known: type, args, idempotency_key, max_retries/],
    ['{"type":"t","delay_ms":1,"delayMs":2}', /"delay_ms" and "delayMs" are the same field/],
    ['{"type":"t","max_retries":-1}', /^line 1 of in\.jsonl: "max_retries" must be a whole number from 0 to 2147483647$/],
    ['{"type":"t","delayMs":1.5}', /"delayMs" must be a whole number/],
    ['{"type":"t","timeout_ms":"5"}', /"timeout_ms" must be a whole number/],
    ['{"type":"t","queue_timeout_ms":4294967296}', /"queue_timeout_ms" must be a whole number from 0 to 4294967295/],
    ['{"type":"t","idempotency_key":1}', /"idempotency_key" must be a string/],
    ['{"type":"t","run_at":"tomorrow"}', /"run_at" must be a date and time/],
    ["", /^no tasks in in\.jsonl: expected one JSON object per line/],
    ["\n \n", /^no tasks in in\.jsonl/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseTaskLines(text, "in.jsonl"),
      (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.USAGE && message.test(e.message),
      text,
    );
  }
});

test("__proto__ in args stays an ordinary key of the arguments", () => {
  const [line] = parseTaskLines('{"type":"t","args":{"__proto__":{"polluted":true}}}', "in");
  assert.deepEqual(Object.keys(line!.task.args!), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  assert.throws(() => parseTaskLines('{"type":"t","__proto__":{}}', "in"), /unknown field "__proto__"/);
});

test("a task line may carry a priority, in either spelling; its range is the server's to check", () => {
  const lines = parseTaskLines('{"type":"t","priority":9}\n{"type":"t","priority":0}\n{"type":"t","priority":11}', "p.jsonl");
  assert.deepEqual(lines.map((l) => l.task.priority), [9, 0, 11]);
  assert.throws(() => parseTaskLines('{"type":"t","priority":-1}', "p.jsonl"), /"priority" must be a whole number/);
});
