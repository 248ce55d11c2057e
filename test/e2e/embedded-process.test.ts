import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../harness/free-port.js";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson, waitForFinal } from "../support/http-json.js";

const REPO = join(import.meta.dirname, "../..");
// Run node itself (not the tsx wrapper, which forks a child) so that kill -9 hits the app.
const TSX_LOADER = import.meta.resolve("tsx");

/** `npm start` as a child process in `cwd`, with no DATABASE_URL or NATS_URL. */
function startApp(cwd: string, port: number): { child: ChildProcess; output: () => string } {
  let out = "";
  const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"], HOME: process.env["HOME"], PORT: String(port) };
  const child = spawn(process.execPath, ["--import", TSX_LOADER, join(REPO, "app/main.ts")], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function ready(url: string, app: { child: ChildProcess; output: () => string }): Promise<void> {
  await waitUntil(async () => (await httpJson(`${url}/ready`)).status === 200, {
    timeoutMs: 60_000,
    label: "the embedded app to be ready",
    abortReason: () => (app.child.exitCode !== null ? new Error(`app exited:\n${app.output()}`) : undefined),
  });
}

/** The start banner: the JSON log line (a pipe gets JSON) whose message says where tstasks runs. */
function banner(output: string): Record<string, unknown> {
  const line = output.split("\n").find((l) => l.startsWith("{") && l.includes("tstasks is running on http://localhost:"));
  assert.ok(line, `no start line in:\n${output}`);
  return JSON.parse(line) as Record<string, unknown>;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once("exit", (code) => r(code)));
}

describe("npm start with no infrastructure [embedded]", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tstasks-empty-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("starts from an empty folder with no environment and runs test.main.add", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const app = startApp(dir, port);
    try {
      await ready(url, app);
      const res = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } } });
      assert.equal(res.status, 200, res.text);
      const done = await waitForFinal(url, res.body.id);
      assert.equal(done.status, "SUCCESS");
      assert.equal(done.result, 3);
      assert.match(app.output(), /embedded PGlite/);
      assert.match(app.output(), /in-process/);
      assert.match(app.output(), /DATABASE_URL/);
      assert.match(app.output(), /NATS_URL/);
      const start = banner(app.output());
      assert.deepEqual([start["level"], start["port"], start["embedded"], start["recovered"]], ["info", port, true, 0]);
      assert.ok(existsSync(join(dir, ".tstasks")), "data lives in ./.tstasks");
    } finally {
      app.child.kill("SIGTERM");
    }
    assert.equal(await exited(app.child), 0, app.output());
    assert.ok((await readdir(join(dir, ".tstasks"))).length > 0);
  });

  it("after kill -9 mid-task and a restart, the task completes", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = startApp(dir, port);
    let id: string;
    try {
      await ready(url, first);
      const res = await httpJson(`${url}/task`, { body: { type: "demo.main.sleep", args: { ms: 1500 } } });
      assert.equal(res.status, 200, res.text);
      id = res.body.id;
      await waitUntil(async () => (await httpJson(`${url}/task/${id}`)).body.status === "STARTED", { label: "STARTED" });
    } finally {
      first.child.kill("SIGKILL");
    }
    await exited(first.child);

    const second = startApp(dir, port);
    try {
      await ready(url, second);
      const done = await waitForFinal(url, id, 30_000);
      assert.equal(done.status, "SUCCESS", JSON.stringify(done));
      assert.deepEqual(done.result, { slept: 1500 });
      assert.equal(done.attempts, 2, "the interrupted attempt counts, then it ran again");
      assert.equal(banner(second.output())["recovered"], 1, "recovered 1 unfinished task");
    } finally {
      second.child.kill("SIGTERM");
      await exited(second.child);
    }
  });
});
