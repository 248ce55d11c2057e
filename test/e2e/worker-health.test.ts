import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_TASKPACKS_DIR } from "../../core/config/env-config.js";
import { loadTaskpacks } from "../../worker/packs/load-taskpacks.js";
import { startHealthServer } from "../../worker/health/health-server.js";
import { createWorker } from "../../worker/worker.js";
import { freePort } from "../harness/free-port.js";
import { registerExitCleanup } from "../harness/process-cleanup.js";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";
import { silentLogger } from "../../core/log/default-logger.js";

const REPO = join(import.meta.dirname, "../..");
// Node itself (not the tsx wrapper, which forks a child), so signals reach the worker.
const TSX_LOADER = import.meta.resolve("tsx");

/** `npm run worker` as a child process on the stack's Postgres and NATS, with its health endpoint on. */
function startWorkerProcess(stack: Stack, name: string, healthPort: number): { child: ChildProcess; output: () => string } {
  let out = "";
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"],
    HOME: process.env["HOME"],
    DATABASE_URL: stack.postgres!.url,
    NATS_URL: stack.nats!.url,
    WORKER_NAME: name,
    WORKER_HEALTH_PORT: String(healthPort),
    HOST: "127.0.0.1",
  };
  const child = spawn(process.execPath, ["--import", TSX_LOADER, join(REPO, "worker/main.ts")], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
  const unregister = registerExitCleanup(() => child.kill("SIGKILL"));
  child.once("exit", unregister);
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once("exit", (code) => r(code)));
}

// Killing Postgres and nats-server processes: real backend only.
describe("worker health [real]", () => {
  let stack: Stack;
  before(async () => {
    // No stack workers: every task here must be run by the worker under test.
    stack = await startStack({ backend: "real", workers: 0 });
  });
  after(() => stack.stop());

  it("a worker process reports NATS and Postgres outages on /readyz, reconnects by itself and consumes again", async () => {
    const port = await freePort();
    const health = `http://127.0.0.1:${port}`;
    const name = "health-worker";
    const proc = startWorkerProcess(stack, name, port);
    const alive = () => (proc.child.exitCode !== null ? new Error(`worker exited:\n${proc.output()}`) : undefined);
    /** Polls /readyz until it answers `status`; returns the body. */
    const readyz = async (status: number, timeoutMs: number) =>
      (
        await waitUntil(async () => {
          const res = await httpJson(`${health}/readyz`);
          return res.status === status ? res : undefined;
        }, { timeoutMs, label: `/readyz ${status}`, abortReason: alive })
      ).body;
    /** A task submitted now must be run, to SUCCESS, by the worker under test. */
    const runsATask = async (x: number) => {
      const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x, y: 1 } } });
      assert.equal(res.status, 200, res.text);
      const done = await waitForFinal(stack.baseUrl, res.body.id, 30_000);
      assert.deepEqual([done.status, done.result, done.worker], ["SUCCESS", x + 1, name]);
    };
    try {
      const up = await readyz(200, 60_000);
      assert.deepEqual(up, { ready: true, checks: { queue: "ok", store: "ok", consumer: "running" } });
      assert.deepEqual((await httpJson(`${health}/livez`)).body, { status: "alive" });
      await runsATask(1);

      await stack.nats!.kill();
      const noNats = await readyz(503, 15_000);
      assert.equal(noNats.ready, false);
      assert.match(noNats.checks.queue, /^down: /);
      assert.equal(noNats.checks.store, "ok");
      assert.equal((await httpJson(`${health}/livez`)).status, 200, "liveness is not readiness: no restart needed");
      await stack.nats!.restart();
      assert.equal((await readyz(200, 30_000)).checks.queue, "ok");
      await runsATask(2);

      await stack.postgres!.kill();
      const noPostgres = await readyz(503, 15_000);
      assert.match(noPostgres.checks.store, /^down: /);
      assert.equal(noPostgres.checks.queue, "ok");
      await stack.postgres!.restart();
      await readyz(200, 30_000);
      await runsATask(3);
    } finally {
      proc.child.kill("SIGTERM");
    }
    assert.equal(await exited(proc.child), 0, proc.output());
    assert.match(proc.output(), /health: http:\/\/127\.0\.0\.1:\d+\/livez/);
  });

  it("readiness follows the worker's own life: starting, running, stopping/stopped; a worker without task types is never ready", async () => {
    const { tasks } = await loadTaskpacks({ dir: DEFAULT_TASKPACKS_DIR });
    const worker = createWorker({ store: stack.store, queue: stack.queue, tasks, name: "lifecycle", log: silentLogger() });
    const server = await startHealthServer({ port: 0, host: "127.0.0.1", health: () => worker.health() });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const before = await httpJson(`${base}/readyz`);
      assert.equal(before.status, 503);
      assert.equal(before.body.checks.consumer, "starting");
      await worker.start();
      assert.equal((await httpJson(`${base}/readyz`)).status, 200);
      // While stop() drains a running task, the worker is not ready (no new pulls) but alive.
      const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.sleep", args: { ms: 1000 } } });
      assert.equal(res.status, 200, res.text);
      await waitUntil(async () => (await stack.store.getTask(res.body.id))?.status === "STARTED", { label: "STARTED" });
      const stopping = worker.stop();
      const draining = await httpJson(`${base}/readyz`);
      assert.equal(draining.status, 503);
      assert.equal(draining.body.checks.consumer, "stopping");
      await stopping;
      assert.equal((await stack.store.getTask(res.body.id))?.status, "SUCCESS", "it finished within the grace");
      const stopped = await httpJson(`${base}/readyz`);
      assert.equal(stopped.status, 503);
      assert.deepEqual(stopped.body, { ready: false, checks: { queue: "ok", store: "ok", consumer: "stopped" } });
      assert.equal((await httpJson(`${base}/livez`)).status, 200);

      assert.equal((await httpJson(`${base}/nope`)).status, 404);
      const post = await httpJson(`${base}/readyz`, { method: "POST", body: {} });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get("allow"), "GET, HEAD");
      const head = await fetch(`${base}/livez`, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), "");
    } finally {
      await worker.stop();
      await server.close();
    }

    const idle = createWorker({ store: stack.store, queue: stack.queue, tasks: [], name: "idle", log: silentLogger() });
    await idle.start();
    try {
      assert.deepEqual(await idle.health(), { ready: false, checks: { queue: "ok", store: "ok", consumer: "idle" } });
    } finally {
      await idle.stop();
    }
  });
});
