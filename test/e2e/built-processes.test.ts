import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureDistBuilt } from "../harness/built-dist.js";
import { freePort } from "../harness/free-port.js";
import { startNats, type NatsServer } from "../harness/nats-server.js";
import { startPostgres, type PostgresServer } from "../harness/postgres-server.js";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson, waitForFinal } from "../support/http-json.js";

// `npm run server:prod` and `worker:prod`: the server and a worker built into
// dist/ and run by plain node, no TypeScript loader at run time, against a
// private Postgres and nats-server. The worker still loads the repository's
// TypeScript taskpacks (registering tsx for them alone), and a pack's
// `tstasks/task` is the built worker's own copy: a NonRetryableError it
// throws is not retried.

const REPO = join(import.meta.dirname, "../..");

interface Proc {
  child: ChildProcess;
  output: () => string;
}

function startBuilt(entry: string, env: Record<string, string>): Proc {
  let out = "";
  const child = spawn(process.execPath, [join(REPO, entry)], {
    cwd: REPO,
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function stop(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once("exit", resolve));
  proc.child.kill("SIGTERM");
  await exited;
}

describe("the built server and worker (dist/, plain node) [real]", () => {
  let postgres: PostgresServer;
  let nats: NatsServer;
  let server: Proc | undefined;
  let worker: Proc | undefined;
  let url: string;

  before(async () => {
    await ensureDistBuilt();
    [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const common = { DATABASE_URL: postgres.url, NATS_URL: nats.url, HOST: "127.0.0.1", TSTASKS_DATA_DIR: join(REPO, ".tstasks") };
    server = startBuilt("dist/server/main.js", { ...common, PORT: String(port) });
    await waitUntil(async () => (await httpJson(`${url}/ping`).catch(() => ({ status: 0 }))).status === 200, {
      timeoutMs: 60_000,
      label: "the built server",
      abortReason: () => (server!.child.exitCode !== null ? new Error(`server exited:\n${server!.output()}`) : undefined),
    });
    worker = startBuilt("dist/worker/main.js", { ...common, WORKER_NAME: "built-worker" });
    await waitUntil(async () => /consumes default/.test(worker!.output()), {
      timeoutMs: 60_000,
      label: "the built worker",
      abortReason: () => (worker!.child.exitCode !== null ? new Error(`worker exited:\n${worker!.output()}`) : undefined),
    });
  });

  after(async () => {
    await stop(worker);
    await stop(server);
    await Promise.allSettled([postgres?.stop(), nats?.stop()]);
  });

  it("runs a task from the TypeScript taskpacks to SUCCESS", async () => {
    const res = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 20, y: 22 } } });
    assert.equal(res.status, 200, res.text);
    const done = await waitForFinal(url, res.body.id);
    assert.equal(done.status, "SUCCESS", JSON.stringify(done));
    assert.equal(done.result, 42);
    assert.equal(done.worker, "built-worker");
  });

  it("a pack's NonRetryableError fails its task at once, whatever the retries", async () => {
    const res = await httpJson(`${url}/task`, { body: { type: "demo.main.refuse", args: { reason: "built" }, max_retries: 5 } });
    assert.equal(res.status, 200, res.text);
    const done = await waitForFinal(url, res.body.id);
    assert.equal(done.status, "FAILURE");
    assert.equal(done.attempts, 1, "not retried");
    assert.deepEqual([done.error.type, done.error.message], ["NonRetryableError", "built"]);
  });
});
