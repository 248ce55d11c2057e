import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { captureLog } from "../support/capture-log.js";
import { httpJson, submitAdds, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// Structured logs (LOG_LEVEL, JSON lines) as operators get them: from real
// processes whose output is a pipe, and from a worker at the default level,
// which must not write a line per task.

const REPO = join(import.meta.dirname, "../..");
const TSX_LOADER = import.meta.resolve("tsx");

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** An entry point run by node itself (not the tsx wrapper), as a supervisor runs it, with only `env` set. */
function startEntry(entry: string, env: Record<string, string>): Proc {
  let out = "";
  let err = "";
  const child = spawn(process.execPath, ["--import", TSX_LOADER, join(REPO, entry)], {
    cwd: REPO,
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Every line of `text`, each parsed as JSON (fails the test on a line that is not). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON line: ${line}`);
      }
    });
}

describe("process logs [real]", () => {
  let stack: Stack;
  let worker: Proc | undefined;

  before(async () => {
    stack = await startStack({ backend: "real", workers: 0 });
  });
  after(async () => {
    if (worker && worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await stack?.stop();
  });

  it("a worker process at LOG_LEVEL=debug writes JSON lines, each about a task carrying taskId, type, attempt and worker, and its last line before exit", async () => {
    const name = "logs-worker";
    worker = startEntry("worker/main.ts", {
      DATABASE_URL: stack.postgres!.url,
      NATS_URL: stack.nats!.url,
      WORKER_NAME: name,
      LOG_LEVEL: "debug",
    });
    const proc = worker;
    await waitUntil(async () => proc.stdout().includes(`${name} consumes default`), {
      timeoutMs: 60_000,
      label: "the worker to consume",
      abortReason: () => (proc.child.exitCode !== null ? new Error(`worker exited:\n${proc.stdout()}${proc.stderr()}`) : undefined),
    });

    const refused = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.refuse", args: { reason: "no thanks" } } });
    assert.equal(refused.status, 200, refused.text);
    const flaky = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.flaky", args: { failTimes: 1 }, max_retries: 2 } });
    assert.equal(flaky.status, 200, flaky.text);
    assert.equal((await waitForFinal(stack.baseUrl, refused.body.id)).status, "FAILURE");
    assert.equal((await waitForFinal(stack.baseUrl, flaky.body.id)).status, "SUCCESS");
    // The worker writes its lines before it acks; the final status can be read a moment before the last one is read here.
    await waitUntil(async () => jsonLines(proc.stdout()).some((l) => l["taskId"] === flaky.body.id && l["msg"] === "task succeeded"), {
      timeoutMs: 10_000,
      label: "the flaky task's success line",
    });

    const lines = jsonLines(proc.stdout());
    const about = (id: string) => lines.filter((l) => l["taskId"] === id);
    for (const line of [...about(refused.body.id), ...about(flaky.body.id)]) {
      assert.equal(line["worker"], name, JSON.stringify(line));
      assert.equal(line["component"], "worker", JSON.stringify(line));
      assert.equal(typeof line["attempt"], "number", JSON.stringify(line));
      assert.match(String(line["type"]), /^demo\.main\.(refuse|flaky)$/, JSON.stringify(line));
    }

    const refusedLines = about(refused.body.id);
    assert.deepEqual(
      refusedLines.map((l) => [l["level"], l["msg"], l["attempt"], l["type"]]),
      [
        ["debug", "task started", 1, "demo.main.refuse"],
        ["warn", "task failed (NonRetryableError), not retryable", 1, "demo.main.refuse"],
      ],
    );
    const err = refusedLines[1]!["err"] as Record<string, unknown>;
    assert.deepEqual([err["type"], err["message"]], ["NonRetryableError", "no thanks"], "the error as an err object");
    assert.match(String(err["stack"]), /NonRetryableError: no thanks\n\s+at /, "with the task's stack");

    assert.deepEqual(
      about(flaky.body.id).map((l) => [l["level"], l["msg"], l["attempt"]]),
      [
        ["debug", "task started", 1],
        ["warn", "task failed (Error); retry 1 of 2 in " + String(about(flaky.body.id)[1]!["retryInMs"]) + " ms", 1],
        ["debug", "task started", 2],
        ["debug", "task succeeded", 2],
      ],
    );

    worker.child.kill("SIGTERM");
    assert.equal(await worker.exited, 0, worker.stderr());
    const last = jsonLines(worker.stdout()).at(-1)!;
    assert.deepEqual([last["level"], last["msg"], last["worker"]], ["info", "stopped", name], "the last line is out before the exit");
    assert.equal(worker.stderr(), "");
  });
});

describe("LOG_LEVEL", () => {
  it("a value that is not a level stops start with one clear line on stderr and exit 1", async () => {
    const [app, worker] = [
      startEntry("app/main.ts", { LOG_LEVEL: "bogus", PORT: "0" }),
      startEntry("worker/main.ts", { LOG_LEVEL: "bogus", LOG_FORMAT: "yaml", DATABASE_URL: "postgres://x@127.0.0.1:1/x", NATS_URL: "nats://127.0.0.1:1" }),
    ];
    assert.equal(await app.exited, 1, app.stdout() + app.stderr());
    assert.equal(await worker.exited, 1, worker.stdout() + worker.stderr());
    assert.equal(app.stderr(), "invalid configuration:\n  LOG_LEVEL: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent\n");
    assert.match(worker.stderr(), /\n {2}LOG_LEVEL: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent\n/);
    assert.match(worker.stderr(), /\n {2}LOG_FORMAT: LOG_FORMAT must be one of json, pretty\n/);
    assert.equal(app.stdout() + worker.stdout(), "", "nothing started, nothing logged");
  });
});

for (const backend of BACKENDS) {
  describe(`a worker's log at the default level [${backend}]`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack({ backend, workers: 0 });
    });
    after(() => stack?.stop());

    it("has no line per task at info (the hot path writes nothing), and one per start and success at debug", async () => {
      const info = captureLog("info");
      const first = await stack.startWorker({ name: "quiet", log: info.log });
      const ids = await submitAdds(stack.baseUrl, 20);
      for (const id of ids) assert.equal((await waitForFinal(stack.baseUrl, id)).status, "SUCCESS");
      assert.deepEqual(
        info.entries().filter((e) => "taskId" in e),
        [],
        "no line about a task that succeeded",
      );
      assert.match(info.messages().join("\n"), /quiet consumes default/, "the start line is there");
      await first.stop();

      const debug = captureLog("debug");
      await stack.startWorker({ name: "chatty", log: debug.log });
      const [id] = await submitAdds(stack.baseUrl, 1);
      assert.equal((await waitForFinal(stack.baseUrl, id!)).status, "SUCCESS");
      await waitUntil(async () => debug.entries().some((e) => e["taskId"] === id && e["msg"] === "task succeeded"), {
        timeoutMs: 10_000,
        label: "the success line",
      });
      assert.deepEqual(
        debug.entries().filter((e) => e["taskId"] === id).map((e) => [e["level"], e["msg"], e["type"], e["attempt"], e["worker"]]),
        [
          ["debug", "task started", "test.main.add", 1, "chatty"],
          ["debug", "task succeeded", "test.main.add", 1, "chatty"],
        ],
      );
    });
  });
}
