import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hashPassword } from "../../server/auth/password-hash.js";
import { freePort } from "../harness/free-port.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack, type StackWorker } from "../support/stack.js";

// The `tstasks` CLI end to end: client/cli/main.ts as a child process (node
// with the tsx loader, as `npm run tstasks` runs it) against a real stack,
// checking what it prints and its exit status (0 ok, 1 task failed, 2 usage,
// 3 not found, 4 other API error, 5 unavailable).

const REPO = join(import.meta.dirname, "../..");
const MAIN = join(REPO, "client/cli/main.ts");
// node itself with the loader (not the tsx wrapper, which forks once more).
const TSX_LOADER = import.meta.resolve("tsx");

interface CliRun {
  child: ChildProcess;
  /** Standard output and error so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The environment of a CLI run: never the test runner's own TSTASKS_* variables. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env["PATH"], HOME: process.env["HOME"], ...extra };
}

/** Starts `tstasks ARGS` (standard input: `stdin`, or empty). */
function startCli(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): CliRun {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN, ...args], {
    cwd: REPO,
    env: cliEnv(options.env ?? {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
  return collect(child, options.stdin ?? "");
}

/** `cmd` (a shell command line) under a pseudo-terminal: util-linux `script`, output as the terminal got it. */
function startInPty(cmd: string, env: Record<string, string>): CliRun {
  const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: REPO, env: cliEnv(env), stdio: ["pipe", "pipe", "pipe"] });
  return collect(child, "");
}

function collect(child: ChildProcess, stdin: string): CliRun {
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.stdin!.end(stdin);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (code) => resolve({ code, stdout: out, stderr: err })),
  );
  return { child, stdout: () => out, stderr: () => err, done };
}

/** Runs `tstasks ARGS` to the end. */
function cli(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  return startCli(args, options).done;
}

/** The shell-quoted command line that runs the CLI with `args`. */
function shellLine(args: string[]): string {
  return [process.execPath, "--import", TSX_LOADER, MAIN, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Exactly one line of standard error, starting `tstasks: `. */
const ONE_LINE = /^tstasks: [^\n]+\n$/;

describe("tstasks CLI without a server", () => {
  it("bad flags, values and arguments are usage errors: exit 2, one line on stderr, nothing on stdout", async () => {
    // (The parsers themselves are unit-tested in client/cli/*.test.ts.)
    const cases = [
      ["get", "x", "--bogus"],
      ["submit", "test.main.add", "--arg", "novalue"],
      ["submit", "test.main.add", "--json", "[1,2]"],
    ];
    const runs = await Promise.all(cases.map((args) => cli(args)));
    runs.forEach((run, i) => {
      assert.equal(run.code, 2, `${cases[i]!.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /^tstasks: [^\n]+\n/, cases[i]!.join(" "));
      assert.equal(run.stdout, "", cases[i]!.join(" "));
    });
    assert.match(runs[0]!.stderr, /unknown option '--bogus'/);
    assert.match(runs[1]!.stderr, /KEY=VALUE/);
    assert.match(runs[2]!.stderr, /expected a JSON object/);
  });

  it("token never takes the password from argv (exit 2, before any request), nor an empty stdin", async () => {
    const [flag, none] = await Promise.all([
      cli(["token", "--user", "alice", "--password=secret"], { stdin: "secret\n" }),
      cli(["token", "--user", "alice"]),
    ]);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, ONE_LINE);
    assert.match(flag.stderr, /the password is never an argument/);
    assert.equal(flag.stdout, "");
    assert.doesNotMatch(flag.stderr, /secret/, "the refusal does not repeat the password");
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, ONE_LINE);
    assert.match(none.stderr, /^tstasks: no password on standard input: .*tstasks token --user alice/);
  });

  it("--help prints a command's options, the global options and the exit status table, exit 0", async () => {
    const submit = await cli(["submit", "--help"]);
    assert.equal(submit.code, 0);
    assert.match(submit.stdout, /^Usage: tstasks submit \[options\] <type>/);
    assert.match(submit.stdout, /--arg <key=value>/);
    assert.match(submit.stdout, /Global Options:\n +--url <url>/, "global options are listed under each command");
    assert.match(submit.stdout, /Exit status:\n {2}0 {4}done\n {2}1 {4}the task ended FAILURE or REVOKED/);
    assert.match(submit.stdout, /5 {4}server unavailable/);
  });

  it("a server that is not there: exit 5 with one line naming the URL", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await cli(["submit", "test.main.add", "--arg", "x=1", "--arg", "y=2", "--wait", "--url", url]);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, ONE_LINE);
    assert.match(run.stderr, /^tstasks: unavailable: .*ECONNREFUSED/);
    assert.ok(run.stderr.includes(url), run.stderr);
    assert.equal(run.stdout, "");
  });
});

for (const backend of BACKENDS) describe(`tstasks CLI [${backend}]`, () => {
  // Behaviour that does not depend on the backend (formatting, parsing) is
  // checked on the first one only: every run of the CLI is a node process.
  const details = backend === BACKENDS[0];
  let stack: Stack;
  let env: Record<string, string>;
  /** The worker that runs tasks now (the watch tests replace it). */
  let worker: StackWorker;
  /** alice's token, from the token test. */
  let aliceToken = "";

  before(async () => {
    stack = await startStack({ backend });
    env = { TSTASKS_URL: stack.baseUrl };
    worker = stack.workers[0]!;
    await stack.users.createUser({ name: "alice", passwordHash: await hashPassword("wonder land"), allowedTasks: {}, roles: [] });
  });
  after(() => stack.stop());

  /** Submits over HTTP (no CLI process); returns the id. */
  async function submit(type: string, args: Record<string, unknown>): Promise<string> {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type, args } });
    assert.equal(res.status, 200, res.text);
    return res.body.id;
  }

  /**
   * Runs a watch with no worker running, so that it is certainly watching
   * before the task starts: starts a worker once `ready` shows in its output.
   */
  async function watchFromTheStart(run: (id: string) => CliRun, ready: RegExp, args: Record<string, unknown>) {
    await worker.stop();
    let id: string;
    let watching: CliRun;
    try {
      id = await submit("demo.main.pi", args);
      watching = run(id);
      await waitUntil(async () => ready.test(watching.stdout()), {
        label: `the watch to show ${ready}`,
        abortReason: () => (watching.child.exitCode !== null ? new Error(`watch exited: ${watching.stderr()}`) : undefined),
      });
    } finally {
      worker = await stack.startWorker();
    }
    return { id, ...(await watching.done) };
  }

  it("submit --wait prints the result and exits 0; without --wait it prints the id", async () => {
    const [waited, plain] = await Promise.all([
      cli(["submit", "test.main.add", "--arg", "x=1", "--arg", "y=2", "--wait"], { env }),
      cli(["submit", "test.main.add", "--json", '{"x":40,"y":0}', "--arg", "y=2", "--url", stack.baseUrl]),
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, "3\n");
    assert.equal(waited.stderr, "");
    assert.equal(plain.code, 0, plain.stderr);
    const id = plain.stdout.trim();
    assert.match(id, UUID);
    const done = await waitForFinal(stack.baseUrl, id);
    assert.deepEqual(done.args, { x: 40, y: 2 }, "--arg is merged over --json");
    assert.equal(done.result, 42);
  });

  it("a task that ends FAILURE exits 1 (submit --wait, get --wait) with one line on stderr", async () => {
    const [refused, flaky] = await Promise.all([
      cli(["submit", "demo.main.refuse", "--arg", "reason=no thanks", "--wait"], { env }),
      // A retryable failure with --retries 0 fails on its first attempt.
      cli(["submit", "demo.main.flaky", "--arg", "failTimes=50", "--retries", "0", "--wait", "--output", "json"], { env }),
    ]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, /^tstasks: task [0-9a-f-]{36} ended FAILURE: NonRetryableError: no thanks\n$/);
    assert.equal(flaky.code, 1, flaky.stderr);
    assert.match(flaky.stderr, ONE_LINE);
    const task = JSON.parse(flaky.stdout);
    assert.equal(task.status, "FAILURE");
    assert.equal(task.attempts, 1);
    assert.match(task.error.message, /fails on purpose/);

    const waited = await cli(["get", task.id, "--wait", "5s"], { env });
    assert.equal(waited.code, 1, waited.stderr);
    assert.match(waited.stdout, /^status +FAILURE$/m);
  });

  it("watch without a TTY: status, progress and log lines, then the final status and result", async () => {
    const run = await watchFromTheStart((id) => startCli(["watch", id], { env }), /^status PENDING$/m, { samples: 40_000, chunks: 4 });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "status PENDING");
    assert.ok(lines.includes("status STARTED"), run.stdout);
    for (let chunk = 1; chunk <= 4; chunk++) {
      assert.ok(lines.some((l) => l.startsWith(`log info chunk ${chunk}/4: ${chunk * 10_000} samples`)), `chunk ${chunk}:\n${run.stdout}`);
    }
    // Progress reports may be coalesced when they come fast; the last one never is lost.
    assert.ok(lines.includes("progress 1.00 chunk 4/4"), run.stdout);
    assert.ok(lines.every((l) => /^(status|progress|log|result) /.test(l)), run.stdout);
    assert.equal(lines.at(-2), "status SUCCESS");
    assert.match(lines.at(-1)!, /^result \{"pi":3\.\d+,"samples":40000\}$/);
    assert.doesNotMatch(run.stdout, /\x1b/, "no escape codes in a pipe");
  });

  it("under a pseudo-TTY, watch draws a cli-progress bar with the log lines above it, to 100%", async () => {
    const run = await watchFromTheStart((id) => startInPty(shellLine(["watch", id]), env), /PENDING/, {
      samples: 40_000,
      chunks: 4,
      pauseMs: 200,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const out = run.stdout;
    assert.match(out, /█{40} 100% \| SUCCESS \| chunk 4\/4/, "the full bar in its final state");
    assert.match(out, /░{40} +0% \| PENDING/, "the empty bar while it waited");
    assert.match(out, /█+░+ +\d{2}% \| STARTED \| chunk [1-3]\/4/, "a partial bar while it ran");
    assert.match(out, /\x1b\[\?25l/, "the cursor is hidden while the bar runs");
    assert.match(out, /\x1b\[\?25h/, "and shown again");
    for (let chunk = 1; chunk <= 4; chunk++) assert.match(out, new RegExp(`info +chunk ${chunk}/4: ${chunk * 10_000} samples`));
    assert.match(out, /status SUCCESS\r?\nresult \{"pi":3\.\d+,"samples":40000\}/);
  });

  it("under a pseudo-TTY, submit --wait shows the bar (on stderr) and prints the result", async () => {
    const run = await startInPty(shellLine(["submit", "demo.main.pi", "--json", '{"samples":20000,"chunks":2}', "--wait"]), env).done;
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^task [0-9a-f-]{36}\r?$/m);
    assert.match(run.stdout, /█{40} 100% \| SUCCESS/);
    assert.match(run.stdout, /\{"pi":3\.\d+,"samples":20000\}/);
  });

  if (details) {
    it("token --user reads the password from stdin; the token is the user's (list); a wrong password is exit 4", async () => {
      const [right, wrong, anonymous] = await Promise.all([
        cli(["token", "--user", "alice"], { env, stdin: "wonder land\n" }),
        cli(["token", "--user", "alice"], { env, stdin: "wonderland\n" }),
        cli(["list"], { env }),
      ]);
      assert.equal(right.code, 0, right.stderr);
      const token = right.stdout.trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, "a JWT");
      aliceToken = token;
      assert.equal(wrong.code, 4, wrong.stderr);
      assert.match(wrong.stderr, ONE_LINE);
      assert.match(wrong.stderr, /^tstasks: unauthenticated: /);
      assert.equal(anonymous.code, 4, "listing needs a token");
      assert.match(anonymous.stderr, /^tstasks: unauthenticated: .*TSTASKS_TOKEN/);

      const withToken = { ...env, TSTASKS_TOKEN: token };
      const mine = await cli(["submit", "test.main.add", "--arg", "x=1", "--arg", "y=1", "--wait", "--output", "json"], { env: withToken });
      assert.equal(mine.code, 0, mine.stderr);
      const id = JSON.parse(mine.stdout).id;
      const listed = await cli(["list", "--status", "success", "--type", "test.main.add", "--output", "json"], { env: withToken });
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout).map((t: { id: string }) => t.id), [id]);
    });

    it("cancel revokes a running task (its watch exits 1); retry queues it again; cancelling a finished task is exit 4", async () => {
      const id = await submit("demo.main.sleep", { ms: 60_000 });
      const cancelled = await cli(["cancel", id], { env });
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.equal(cancelled.stdout, `${id} REVOKED\n`);
      // Before the retry, which makes the task cancellable again (and a watch wait for it).
      const [again, watched] = await Promise.all([cli(["cancel", id], { env }), cli(["watch", id], { env })]);
      assert.equal(again.code, 4, again.stderr);
      assert.match(again.stderr, /^tstasks: failed precondition: /);
      assert.equal(watched.code, 1);
      assert.match(watched.stdout, /^status REVOKED$/m);
      assert.match(watched.stderr, /ended REVOKED/);
      const retried = await cli(["retry", id, "--output", "json"], { env });
      assert.equal(retried.code, 0, retried.stderr);
      assert.equal(JSON.parse(retried.stdout).status, "PENDING");
      assert.equal((await httpJson(`${stack.baseUrl}/task/${id}/cancel`, { method: "POST" })).status, 200, "clean up");
    });

    it("Ctrl-C stops a watch (exit 130) and leaves the task running", async () => {
      const id = await submit("demo.main.sleep", { ms: 60_000 });
      const watching = startCli(["watch", id], { env });
      await waitUntil(async () => watching.stdout().startsWith("status "), { label: "the watch's first line" });
      watching.child.kill("SIGINT");
      const run = await watching.done;
      assert.equal(run.code, 130, run.stderr);
      assert.equal(run.stderr, "tstasks: interrupted\n");
      const task = await httpJson(`${stack.baseUrl}/task/${id}`);
      assert.ok(["PENDING", "STARTED"].includes(task.body.status), task.text);
      assert.equal((await httpJson(`${stack.baseUrl}/task/${id}/cancel`, { method: "POST" })).status, 200, "clean up");
    });

    it("get: an unknown id exits 3; a failed task without --wait exits 0 and shows its error", async () => {
      const id = await submit("demo.main.refuse", { reason: "not today" });
      await waitForFinal(stack.baseUrl, id);
      const [unknown, got] = await Promise.all([cli(["get", "123", "--output", "json"], { env }), cli(["get", id], { env })]);
      assert.equal(unknown.code, 3, unknown.stderr);
      assert.match(unknown.stderr, ONE_LINE);
      assert.match(unknown.stderr, /^tstasks: not found: .*123/);
      assert.equal(unknown.stdout, "");
      assert.equal(got.code, 0, got.stderr);
      assert.match(got.stdout, new RegExp(`^id +${id}\ntype +demo\\.main\\.refuse\nstatus +FAILURE\n`));
      assert.match(got.stdout, /^error +NonRetryableError: not today$/m);
    });

    it("logs prints a task's log lines; watch --output json of a finished task is its snapshot", async () => {
      const id = await submit("demo.main.pi", { samples: 30_000, chunks: 3 });
      await waitForFinal(stack.baseUrl, id);
      const [logs, json] = await Promise.all([cli(["logs", id], { env }), cli(["watch", id, "--output", "json"], { env })]);
      assert.equal(logs.code, 0, logs.stderr);
      const lines = logs.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 3, logs.stdout);
      lines.forEach((line, i) => assert.match(line, new RegExp(`^\\S+Z info  \\[attempt 1\\] chunk ${i + 1}/3: ${(i + 1) * 10_000} samples, pi ≈ 3\\.\\d+$`)));
      assert.equal(json.code, 0, json.stderr);
      const events = json.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(events.map((e) => e.kind), ["task"]);
      assert.equal(events[0].task.status, "SUCCESS");
      assert.equal(events[0].task.result.samples, 30_000);
    });

    it("--output json parses (submit, get --wait, types, token); list shows a table; the server's argument problems are exit 4", async () => {
      const [submitted, refused] = await Promise.all([
        cli(["submit", "test.main.add", "--arg", "x=2", "--arg", "y=3", "--output", "json"], { env }),
        // --arg reason=1 sends a number; the type wants a string.
        cli(["submit", "demo.main.refuse", "--arg", "reason=1", "--output", "json"], { env }),
      ]);
      assert.equal(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, ONE_LINE);
      assert.match(refused.stderr, /^tstasks: invalid argument: .*\(reason: /);
      assert.equal(refused.stdout, "");
      assert.equal(submitted.code, 0, submitted.stderr);
      const task = JSON.parse(submitted.stdout);
      assert.match(task.id, UUID);
      assert.equal(task.type, "test.main.add");
      assert.deepEqual(task.args, { x: 2, y: 3 });
      const [got, types, token, table] = await Promise.all([
        // -o before the command works too: global options go anywhere.
        cli(["-o", "json", "get", task.id, "--wait", "20s"], { env }),
        cli(["types", "--output", "json"], { env }),
        cli(["token", "-u", "alice", "--output", "json"], { env, stdin: "wonder land" }),
        // alice's newest task is the one she submitted in the token test.
        cli(["list", "--limit", "1", "--token", aliceToken], { env }),
      ]);
      assert.equal(got.code, 0, got.stderr);
      const final = JSON.parse(got.stdout);
      assert.equal(final.status, "SUCCESS");
      assert.equal(final.result, 5);
      assert.ok(!Number.isNaN(Date.parse(final.finishedAt)), "dates are ISO strings");
      assert.equal(types.code, 0, types.stderr);
      const byName = JSON.parse(types.stdout);
      assert.equal(byName["demo.main.pi"].name, "demo.main.pi");
      assert.equal(byName["test.main.myProtectedTask"].requireAuthorization, true);
      assert.equal(token.code, 0, token.stderr);
      const login = JSON.parse(token.stdout);
      assert.match(login.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.ok(Date.parse(login.expiresAt) > Date.now());
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID +TYPE +STATUS +CREATED\n[0-9a-f-]{36} +test\.main\.add +SUCCESS +\S+Z\n$/);
    });
  }
});
