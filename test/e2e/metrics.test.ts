import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { loadConfig, type Config } from "../../core/config/env-config.js";
import { silentLogger } from "../../core/log/default-logger.js";
import { openBackends, type Backends } from "../../core/open-backends.js";
import { createMetricsRegistry } from "../../core/telemetry/metrics-registry.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { startServer } from "../../server/start-server.js";
import type { TasksServer } from "../../server/server.js";
import { startHealthServer } from "../../worker/health/health-server.js";
import { startWorker } from "../../worker/start-worker.js";
import { freePort } from "../harness/free-port.js";
import { startNats, type NatsServer } from "../harness/nats-server.js";
import { startPostgres, type PostgresServer } from "../harness/postgres-server.js";
import { registerExitCleanup } from "../harness/process-cleanup.js";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { sampleValue, scrape, type Sample } from "../support/prometheus-text.js";

const REPO = join(import.meta.dirname, "../..");
// Node itself (not the tsx wrapper, which forks a child), so signals reach the worker.
const TSX_LOADER = import.meta.resolve("tsx");
const ADD = { type: "test.main.add", queue: "default" };

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once("exit", (code) => r(code)));
}

// A server and a worker as `npm run server` and `npm run worker` set them up (each its own registry, as two
// processes have), in this process, on a private Postgres and nats-server.
describe("metrics [real]", () => {
  let postgres: PostgresServer;
  let nats: NatsServer;
  let dataDir: string;
  let config: Config;
  let backends: Backends;
  let server: TasksServer;
  let base: string;
  before(async () => {
    [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
    dataDir = await mkdtemp(join(tmpdir(), "tstasks-metrics-"));
    config = loadConfig({
      DATABASE_URL: postgres.url,
      NATS_URL: nats.url,
      TSTASKS_DATA_DIR: dataDir,
      HOST: "127.0.0.1",
      PORT: "0",
      WORKER_NAME: "metrics-worker",
      WORKER_CONCURRENCY: "4",
    });
    backends = await openBackends(config, "metrics-server", silentLogger());
    let port: number;
    ({ server, port } = await startServer(config, backends, silentLogger(), createMetricsRegistry()));
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await server?.close(100);
    await backends?.close();
    await Promise.allSettled([postgres?.stop(), nats?.stop()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("server and worker count tasks by type and queue, time them, read queue depth and workers from the store, and count requests by procedure and code", async () => {
    const client = createClient(TaskService, createConnectTransport({ baseUrl: base, httpVersion: "1.1" }));
    const submit = async (type: string, args: Record<string, number | string>, maxRetries?: number) =>
      (await client.submitTask({ type, args, maxRetries })).task!.id;

    // A worker registers the task types, then stops: the four tasks submitted next wait in the default queue.
    const registering = await openBackends(config, "metrics-registering", silentLogger());
    await (await startWorker(config, registering, silentLogger())).stop();
    await registering.close();
    const adds = [await submit(ADD.type, { x: 1, y: 1 }), await submit(ADD.type, { x: 2, y: 1 }), await submit(ADD.type, { x: 3, y: 1 })];
    const rest = await httpJson(`${base}/task`, { body: { type: ADD.type, args: { x: 4, y: 1 } } });
    assert.equal(rest.status, 200, rest.text);
    await assert.rejects(submit(ADD.type, { x: 1 }), (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument);
    await new Promise((r) => setTimeout(r, 1100));
    const waiting = await scrape(`${base}/metrics`);
    assert.equal(sampleValue(waiting, "tstasks_queue_depth", { queue: "default" }), 4, "the REST task too");
    assert.equal(sampleValue(waiting, "tstasks_queue_running", { queue: "default" }), 0);
    assert.ok(sampleValue(waiting, "tstasks_queue_oldest_waiting_seconds", { queue: "default" })! >= 1, "the first task waits over a second");
    assert.equal(sampleValue(waiting, "tstasks_workers_alive"), 0);
    assert.equal(sampleValue(waiting, "tstasks_outbox_backlog"), 0, "every submit was published");
    assert.equal(sampleValue(waiting, "tstasks_tasks_submitted_total", ADD), 4);

    // Now a worker, with its metrics on a health port as `npm run worker` serves them.
    const workerBackends = await openBackends(config, "metrics-worker", silentLogger());
    const workerRegistry = createMetricsRegistry();
    const worker = await startWorker(config, workerBackends, silentLogger(), workerRegistry);
    const health = await startHealthServer({ port: 0, host: "127.0.0.1", health: () => worker.health(), metrics: { registry: workerRegistry } });
    try {
      for (const id of [...adds, rest.body.id]) assert.equal((await waitForFinal(base, id)).status, "SUCCESS");
      const flaky = await submit("demo.main.flaky", { failTimes: 1 }, 2);
      const refused = await submit("demo.main.refuse", { reason: "metrics" });
      const sleeping = await submit("demo.main.sleep", { ms: 30_000 });
      assert.equal((await waitForFinal(base, flaky)).status, "SUCCESS");
      assert.equal((await waitForFinal(base, refused)).status, "FAILURE");
      await waitUntil(async () => (await httpJson(`${base}/task/${sleeping}`)).body.status === "STARTED", { label: "sleep STARTED" });
      assert.equal((await httpJson(`${base}/task/${sleeping}/cancel`, { method: "POST" })).status, 200);

      const w = await scrape(`http://127.0.0.1:${health.port}/metrics`);
      const flakyLabels = { type: "demo.main.flaky", queue: "default" };
      assert.equal(sampleValue(w, "tstasks_tasks_started_total", ADD), 4);
      assert.equal(sampleValue(w, "tstasks_tasks_succeeded_total", ADD), 4);
      assert.equal(sampleValue(w, "tstasks_tasks_started_total", flakyLabels), 2, "two attempts");
      assert.equal(sampleValue(w, "tstasks_tasks_retried_total", flakyLabels), 1);
      assert.equal(sampleValue(w, "tstasks_tasks_succeeded_total", flakyLabels), 1);
      assert.equal(sampleValue(w, "tstasks_tasks_failed_total", { type: "demo.main.refuse", queue: "default" }), 1);
      assert.equal(sampleValue(w, "tstasks_task_run_seconds_count", ADD), 4);
      assert.equal(sampleValue(w, "tstasks_task_run_seconds_bucket", { ...ADD, le: "+Inf" }), 4);
      assert.equal(sampleValue(w, "tstasks_task_queue_wait_seconds_count", ADD), 4);
      assert.ok(sampleValue(w, "tstasks_task_queue_wait_seconds_sum", ADD)! >= 4, "the four waited over a second each");
      assert.equal(sampleValue(w, "tstasks_task_queue_wait_seconds_count", flakyLabels), 1, "first attempts only");
      assert.equal(sampleValue(w, "tstasks_task_submit_to_final_seconds_count", ADD), 4);
      assert.equal(sampleValue(w, "tstasks_task_submit_to_final_seconds_count", flakyLabels), 1, "RETRY is not final");
      assert.ok(sampleValue(w, "process_cpu_seconds_total")! > 0, "the process metrics are there");

      const s: Sample[] = await waitUntil(
        async () => {
          const now = await scrape(`${base}/metrics`);
          return sampleValue(now, "tstasks_workers_alive") === 1 && sampleValue(now, "tstasks_queue_depth", { queue: "default" }) === 0 ? now : undefined;
        },
        { timeoutMs: 10_000, label: "the store gauges to show the worker and an empty queue" },
      );
      assert.equal(sampleValue(s, "tstasks_tasks_submitted_total", ADD), 4);
      assert.equal(sampleValue(s, "tstasks_tasks_submitted_total", flakyLabels), 1);
      assert.equal(sampleValue(s, "tstasks_tasks_revoked_total", { type: "demo.main.sleep", queue: "default" }), 1);
      const submitTask = { method: "/tstasks.v1.TaskService/SubmitTask" };
      assert.equal(sampleValue(s, "tstasks_http_requests_total", { ...submitTask, code: "ok" }), 6);
      assert.equal(sampleValue(s, "tstasks_http_requests_total", { ...submitTask, code: "invalid_argument" }), 1);
      assert.equal(sampleValue(s, "tstasks_http_request_duration_seconds_count", { ...submitTask, code: "ok" }), 6);
      assert.equal(sampleValue(s, "tstasks_http_requests_total", { method: "POST /task", code: "200" }), 1);
      assert.equal(sampleValue(s, "tstasks_http_requests_total", { method: "POST /task/{id}/cancel", code: "200" }), 1);
      assert.ok(sampleValue(s, "tstasks_http_requests_total", { method: "GET /task/{id}", code: "200" })! >= 7);
      assert.ok(sampleValue(s, "tstasks_http_requests_total", { method: "GET /metrics", code: "200" })! >= 1);
      const methods = new Set(s.filter((x) => x.name === "tstasks_http_requests_total").map((x) => x.labels["method"]));
      assert.ok(![...methods].some((m) => /[0-9a-f]{8}-/.test(m!)), `no task ids in labels: ${[...methods].join(", ")}`);
      assert.equal(sampleValue(s, "tstasks_tasks_started_total", ADD), undefined, "the server reports no worker series");
    } finally {
      await health.close();
      await worker.stop();
      await workerBackends.close();
    }
  });

  it("a worker process serves /metrics, /livez and /readyz on WORKER_METRICS_PORT", async () => {
    const port = await freePort();
    let out = "";
    const child = spawn(process.execPath, ["--import", TSX_LOADER, join(REPO, "worker/main.ts")], {
      cwd: REPO,
      env: {
        PATH: process.env["PATH"],
        HOME: process.env["HOME"],
        DATABASE_URL: postgres.url,
        NATS_URL: nats.url,
        WORKER_NAME: "metrics-process",
        WORKER_METRICS_PORT: String(port),
        HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const unregister = registerExitCleanup(() => child.kill("SIGKILL"));
    child.once("exit", unregister);
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const workerUrl = `http://127.0.0.1:${port}`;
    try {
      await waitUntil(async () => (await httpJson(`${workerUrl}/readyz`)).status === 200, {
        timeoutMs: 60_000,
        label: "the worker process to be ready",
        abortReason: () => (child.exitCode !== null ? new Error(`worker exited:\n${out}`) : undefined),
      });
      assert.equal((await httpJson(`${workerUrl}/livez`)).status, 200);
      const res = await httpJson(`${base}/task`, { body: { type: ADD.type, args: { x: 20, y: 22 } } });
      const done = await waitForFinal(base, res.body.id, 30_000);
      assert.deepEqual([done.status, done.result, done.worker], ["SUCCESS", 42, "metrics-process"]);
      const m = await scrape(`${workerUrl}/metrics`);
      assert.equal(sampleValue(m, "tstasks_tasks_succeeded_total", ADD), 1);
      assert.equal(sampleValue(m, "tstasks_task_run_seconds_count", ADD), 1);
      assert.ok(sampleValue(m, "nodejs_eventloop_lag_seconds") !== undefined, "process metrics");
      assert.equal((await httpJson(`${workerUrl}/nope`)).status, 404);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited(child), 0, out);
    assert.match(out, /\/livez, \/readyz and \/metrics/);
  });
});
