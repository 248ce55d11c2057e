import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build as esbuild } from "esbuild";
import { after, before, describe, it } from "node:test";
import type { add } from "../../taskpacks/test/main.js";
import type { pi } from "../../taskpacks/demo/main.js";
import {
  argumentErrors,
  Code,
  ConnectError,
  createTasksClient,
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  isTaskFailed,
  isUnauthenticated,
  isUnavailable,
  TaskFailedError,
  type Protocol,
  type TaskEvent,
  type TasksClient,
} from "../../client/index.js";
import { hashPassword } from "../../server/auth/password-hash.js";
import { ensureDistBuilt } from "../harness/built-dist.js";
import { freePort } from "../harness/free-port.js";
import { BACKENDS } from "../support/backends.js";
import { startStack, type Stack } from "../support/stack.js";

const PROTOCOLS: readonly Protocol[] = ["connect", "grpc", "grpc-web"];
const UNKNOWN_ID = "5861c3a8-fa0f-4b84-9e54-04b545408114";
const PROTECTED = "test.main.myProtectedTask";

/** Collects a whole watch (or list). */
async function collect<T = TaskEvent>(events: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const e of events) seen.push(e);
  return seen;
}

for (const backend of BACKENDS) describe(`client library [${backend}]`, () => {
  let stack: Stack;
  let aliceToken: string;
  const tokenFor = async (name: string, allowedTasks: Record<string, boolean> = {}) =>
    (await stack.tokens.issue({ name, allowedTasks, roles: [] })).token;

  before(async () => {
    stack = await startStack({ backend });
    aliceToken = await tokenFor("alice", { [PROTECTED]: true });
  });
  after(() => stack.stop());

  for (const protocol of PROTOCOLS) {
    it(`every method over ${protocol}`, async () => {
      const client = createTasksClient({ baseUrl: stack.baseUrl, protocol, token: aliceToken });

      const types = await client.types();
      assert.equal(types["test.main.add"]?.requireAuthorization, false);
      assert.equal(types[PROTECTED]?.requireAuthorization, true);
      assert.equal(types["test.main.add"]?.pack, "test");
      assert.deepEqual(Object.keys((types["test.main.add"]?.argsSchema["properties"] ?? {}) as object).sort(), ["x", "y"]);

      const submitted = await client.submit("test.main.add", { x: 40, y: 2 });
      assert.equal(submitted.status, "PENDING");
      assert.equal(submitted.owner, "alice");
      assert.deepEqual(submitted.args, { x: 40, y: 2 });
      assert.ok(submitted.createdAt instanceof Date);
      assert.equal((await client.get(submitted.id)).id, submitted.id);

      // Long polling answers once the task is final.
      const done = await client.get(submitted.id, { waitMs: 20_000 });
      assert.equal(done.status, "SUCCESS");
      assert.equal(done.result, 42);
      assert.equal(done.attempts, 1);
      assert.ok(done.finishedAt instanceof Date);
      assert.equal(await client.result(submitted.id), 42);

      const sum: number = await client.run<typeof add>("test.main.add", { x: 1, y: 2 });
      assert.equal(sum, 3);

      const listed: string[] = [];
      for await (const t of client.list({ type: "test.main.add", status: "SUCCESS" })) listed.push(t.id);
      assert.ok(listed.includes(submitted.id), "the task is listed");

      // Watch, logs and progress on a task that reports them.
      const piTask = await client.submit<typeof pi>("demo.main.pi", { samples: 20_000, chunks: 4 });
      const events = await collect(client.watch(piTask.id));
      const last = events.at(-1);
      assert.equal(events[0]?.kind, "task");
      assert.ok(last?.kind === "task" && last.task.status === "SUCCESS", JSON.stringify(last));
      const result = last.task.result as { pi: number; samples: number };
      assert.equal(result.samples, 20_000);
      assert.ok(result.pi > 2.9 && result.pi < 3.4, String(result.pi));
      const logs = await client.logs(piTask.id);
      assert.equal(logs.truncated, false);
      assert.equal(logs.lines.length, 4);
      assert.deepEqual(logs.lines.map((l) => l.level), ["info", "info", "info", "info"]);
      assert.match(logs.lines[3]!.message, /^chunk 4\/4: 20000 samples/);
      assert.ok(logs.lines[0]!.time instanceof Date);
      assert.deepEqual((await client.logs(piTask.id, { afterSeq: logs.lines[1]!.seq })).lines, logs.lines.slice(2));

      // Cancel, then retry.
      const slow = await client.submit("demo.main.sleep", { ms: 60_000 });
      const cancelled = await client.cancel(slow.id);
      assert.equal(cancelled.status, "REVOKED");
      await assert.rejects(client.result(slow.id), (e: unknown) => {
        assert.ok(isTaskFailed(e) && e instanceof TaskFailedError);
        assert.equal(e.code, "revoked");
        assert.equal(e.task.id, slow.id);
        return true;
      });
      await assert.rejects(client.cancel(slow.id), (e: unknown) => e instanceof ConnectError && e.code === Code.FailedPrecondition);
      const retried = await client.retry(slow.id);
      assert.ok(retried.status === "PENDING" || retried.status === "STARTED", retried.status);
      await client.cancel(slow.id);

      await assert.rejects(client.get(UNKNOWN_ID), isNotFound);
      await assert.rejects(client.result(UNKNOWN_ID), isNotFound);
      await assert.rejects(client.submit("test.main.add", { x: "one" }), (e: unknown) => {
        assert.ok(isInvalidArgument(e));
        assert.deepEqual(argumentErrors(e), { x: "must be integer", y: "is required" });
        return true;
      });
      await assert.rejects(client.createToken("nobody", "wrong"), isUnauthenticated);
    });
  }

  it("createToken returns a token that the server accepts, with its expiry", async () => {
    await stack.users.createUser({ name: "carol", passwordHash: await hashPassword("s3cret"), allowedTasks: { [PROTECTED]: true }, roles: [] });
    const anonymous = createTasksClient({ baseUrl: stack.baseUrl });
    const { token, expiresAt } = await anonymous.createToken("carol", "s3cret");
    assert.ok(expiresAt && expiresAt.getTime() > Date.now());
    const carol = createTasksClient({ baseUrl: stack.baseUrl, token });
    assert.equal(await carol.run(PROTECTED, { x: 2, y: 3 }), 5);
  });

  it("list follows page tokens until the last page", async () => {
    const client = createTasksClient({ baseUrl: stack.baseUrl, token: await tokenFor("pager") });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await client.submit("test.main.add", { x: i, y: 0 }, { delayMs: 3_600_000 })).id);
    const seen: string[] = [];
    // At most 3 per page: 7 tasks need three requests.
    for await (const t of client.list({ pageSize: 3 })) seen.push(t.id);
    assert.deepEqual(seen, [...ids].reverse(), "every task once, newest first");
    const pending: string[] = [];
    for await (const t of client.list({ pageSize: 2, status: "PENDING", type: "test.main.add" })) pending.push(t.id);
    assert.equal(pending.length, 7);
    for (const id of ids) await client.cancel(id);
  });

  it("result() throws TaskFailedError carrying the task's error; run() too", async () => {
    const client = createTasksClient({ baseUrl: stack.baseUrl });
    await assert.rejects(client.run("demo.main.refuse", { reason: "bad input" }), (e: unknown) => {
      assert.ok(e instanceof TaskFailedError);
      assert.equal(e.code, "failed");
      assert.equal(e.task.status, "FAILURE");
      assert.equal(e.taskError?.type, "NonRetryableError");
      assert.equal(e.taskError?.message, "bad input");
      assert.match(e.message, /failed: NonRetryableError: bad input/);
      return true;
    });
    const flaky = await client.submit("demo.main.flaky", { failTimes: 5 }, { maxRetries: 1 });
    await assert.rejects(client.result(flaky.id), (e: unknown) => {
      assert.ok(isTaskFailed(e));
      assert.equal(e.task.attempts, 2);
      assert.equal(e.task.errors.length, 2);
      assert.match(e.taskError?.message ?? "", /attempt 2 fails on purpose/);
      return true;
    });
  });

  it("result() with timeoutMs gives up with DeadlineExceeded while the task runs on", async () => {
    const client = createTasksClient({ baseUrl: stack.baseUrl });
    const slow = await client.submit("demo.main.sleep", { ms: 60_000 });
    await assert.rejects(client.result(slow.id, { timeoutMs: 300 }), (e: unknown) => e instanceof ConnectError && e.code === Code.DeadlineExceeded);
    const abort = new AbortController();
    const waiting = client.result(slow.id, { signal: abort.signal });
    abort.abort();
    await assert.rejects(waiting, (e: unknown) => e instanceof ConnectError && e.code === Code.Canceled);
    assert.notEqual((await client.get(slow.id)).status, "REVOKED");
    await client.cancel(slow.id);
  });

  it("watch yields the snapshot, progress, log lines and the final task, in order", async () => {
    const client = createTasksClient({ baseUrl: stack.baseUrl, protocol: "grpc" });
    // Delayed, so the watch surely subscribes before the task runs: progress events are live only.
    const task = await client.submit("demo.main.pi", { samples: 50_000, chunks: 5, pauseMs: 30 }, { delayMs: 1000 });
    const events = await collect(client.watch(task.id));
    const progress = events.filter((e) => e.kind === "progress");
    const logs = events.filter((e) => e.kind === "log");
    assert.ok(progress.length > 0, "progress events seen");
    assert.ok(progress.every((p) => p.fraction > 0 && p.fraction <= 1));
    const fractions = progress.map((p) => p.fraction);
    assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b), "progress only goes up");
    assert.deepEqual(logs.map((l) => l.line.seq), [...logs.map((l) => l.line.seq)].sort((a, b) => a - b));
    assert.equal(logs.length, 5, "every log line once");
    const statuses = events.flatMap((e) => (e.kind === "task" ? [e.task.status] : []));
    assert.equal(statuses.at(-1), "SUCCESS");
    assert.equal(events.at(-1)?.kind, "task");
    // A finished task: one event, at once.
    const again = await collect(client.watch(task.id));
    assert.equal(again.length, 1);
    assert.ok(again[0]?.kind === "task" && again[0].task.status === "SUCCESS");
  });

  it("breaking out of a watch ends it; a signal cancels it", async () => {
    const client = createTasksClient({ baseUrl: stack.baseUrl });
    const slow = await client.submit("demo.main.sleep", { ms: 60_000 });
    for await (const e of client.watch(slow.id)) {
      assert.equal(e.kind, "task");
      break;
    }
    const abort = new AbortController();
    const watching = collect(client.watch(slow.id, { signal: abort.signal }));
    setTimeout(() => abort.abort(), 100);
    await assert.rejects(watching, (e: unknown) => e instanceof ConnectError && e.code === Code.Canceled);
    // The server still works for this task, and the watch ends with the cancellation.
    const ending = collect(client.watch(slow.id));
    await client.cancel(slow.id);
    const last = (await ending).at(-1);
    assert.ok(last?.kind === "task" && last.task.status === "REVOKED");
  });

  it("tokens: a task belongs to its submitter; protected types need the permission", async () => {
    const alice = createTasksClient({ baseUrl: stack.baseUrl, token: aliceToken });
    let calls = 0;
    const bob = createTasksClient({
      baseUrl: stack.baseUrl,
      protocol: "grpc-web",
      // A function is asked before every call.
      token: async () => {
        calls++;
        return tokenFor("bob");
      },
    });
    const anonymous = createTasksClient({ baseUrl: stack.baseUrl, protocol: "grpc" });

    const owned = await alice.submit("test.main.add", { x: 1, y: 1 });
    assert.equal(owned.owner, "alice");
    assert.equal(await alice.result(owned.id), 2);
    await assert.rejects(bob.get(owned.id), isNotFound);
    await assert.rejects(bob.result(owned.id), isNotFound);
    await assert.rejects(anonymous.get(owned.id), isNotFound);
    assert.ok(calls >= 2);

    await assert.rejects(anonymous.submit(PROTECTED, { x: 1, y: 2 }), isUnauthenticated);
    await assert.rejects(bob.submit(PROTECTED, { x: 1, y: 2 }), isPermissionDenied);
    await assert.rejects(collect(anonymous.list()), isUnauthenticated);
    assert.equal(await alice.run(PROTECTED, { x: 1, y: 2 }), 3);
    const bad = createTasksClient({ baseUrl: stack.baseUrl, token: "not-a-jwt" });
    await assert.rejects(bad.get(owned.id), isUnauthenticated);
  });

  it("run() makes up an idempotency key; an explicit key returns the first task", async () => {
    const client = createTasksClient({ baseUrl: stack.baseUrl, token: await tokenFor("keyed") });
    assert.equal(await client.run<typeof add>("test.main.add", { x: 5, y: 5 }), 10);
    const [ran] = await collectList(client);
    assert.match(ran?.idempotencyKey ?? "", /^run-/);
    const first = await client.submit("test.main.add", { x: 1, y: 2 }, { idempotencyKey: "job-1" });
    const second = await client.submit("test.main.add", { x: 1, y: 2 }, { idempotencyKey: "job-1" });
    assert.equal(second.id, first.id);
  });
});

function collectList(client: TasksClient) {
  return collect(client.list());
}

/**
 * An HTTP/1.1 proxy in front of the stack's server that answers 503 to the
 * first `failFirst` requests (the others are passed through), counting them.
 */
async function flakyProxy(target: string, failFirst: number, port = 0): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (requests.length <= failFirst) {
      req.resume();
      res.writeHead(503, { "content-type": "text/plain" }).end("down for a moment");
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A proxy that passes everything through, except that it cuts the
 * connection of the first WatchTask stream right after its first chunk, as
 * a crashing server or a dropped network would.
 */
async function droppingProxy(target: string): Promise<{ url: string; watches: number; close(): Promise<void> }> {
  const upstream = new URL(target);
  const state = { watches: 0 };
  const server: Server = createServer((req, res) => {
    const isWatch = (req.url ?? "").endsWith("/WatchTask");
    const drop = isWatch && ++state.watches === 1;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!drop) {
          up.pipe(res);
          return;
        }
        up.once("data", (chunk: Buffer) => {
          res.write(chunk);
          setTimeout(() => {
            up.destroy();
            res.destroy();
          }, 50);
        });
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get watches() {
      return state.watches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("client library: retries of Unavailable", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend: BACKENDS.includes("embedded") ? "embedded" : "real" });
  });
  after(() => stack.stop());

  for (const protocol of ["connect", "grpc-web"] as const) {
    it(`safe calls are retried; a submit only with a key [${protocol}]`, async () => {
      const proxy = await flakyProxy(stack.baseUrl, 2);
      try {
        const client = createTasksClient({ baseUrl: proxy.url, protocol, retries: 3 });
        assert.equal(Object.keys(await client.types()).includes("test.main.add"), true);
        assert.equal(proxy.requests.length, 3, "two 503s, then the answer");
      } finally {
        await proxy.close();
      }

      const noKey = await flakyProxy(stack.baseUrl, 1);
      try {
        const client = createTasksClient({ baseUrl: noKey.url, protocol, retries: 3 });
        await assert.rejects(client.submit("test.main.add", { x: 1, y: 2 }), isUnavailable);
        assert.equal(noKey.requests.length, 1, "a submit without a key is never repeated");
        await assert.rejects(client.get(UNKNOWN_ID), isNotFound);
        assert.equal(noKey.requests.length, 2, "NotFound is not retried");
      } finally {
        await noKey.close();
      }

      const keyed = await flakyProxy(stack.baseUrl, 2);
      try {
        const client = createTasksClient({ baseUrl: keyed.url, protocol, retries: 3 });
        const task = await client.submit("test.main.add", { x: 1, y: 2 }, { idempotencyKey: `retry-${protocol}` });
        assert.equal(keyed.requests.length, 3);
        assert.equal(await client.result(task.id), 3);
      } finally {
        await keyed.close();
      }

      const down = await flakyProxy(stack.baseUrl, 100);
      try {
        const client = createTasksClient({ baseUrl: down.url, protocol, retries: 2 });
        await assert.rejects(client.get(UNKNOWN_ID), isUnavailable);
        assert.equal(down.requests.length, 3, "the first try and two retries");
        await assert.rejects(collect(client.watch(UNKNOWN_ID)), isUnavailable);
        assert.equal(down.requests.length, 6, "watch subscribes again as often");
      } finally {
        await down.close();
      }
    });
  }

  it("watch and run() get through when the server answers Unavailable at first", async () => {
    const proxy = await flakyProxy(stack.baseUrl, 1);
    try {
      const client = createTasksClient({ baseUrl: proxy.url, retries: 3 });
      // The first request (the submit) fails; run's own idempotency key makes its retry safe.
      assert.equal(await client.run<typeof add>("test.main.add", { x: 2, y: 2 }), 4);
      assert.ok(proxy.requests.length >= 3, "submit twice, then watch");
    } finally {
      await proxy.close();
    }
  });

  for (const protocol of ["connect", "grpc-web"] as const) {
    it(`watch subscribes again when its connection drops mid-stream [${protocol}]`, async () => {
      const proxy = await droppingProxy(stack.baseUrl);
      try {
        const client = createTasksClient({ baseUrl: proxy.url, protocol });
        const task = await client.submit("demo.main.pi", { samples: 10_000, chunks: 4, pauseMs: 200 });
        const events = await collect(client.watch(task.id));
        assert.equal(proxy.watches, 2, "one dropped stream, one complete");
        const snapshots = events.filter((e) => e.kind === "task");
        assert.ok(snapshots.length >= 2, "a snapshot from each stream");
        const last = events.at(-1);
        assert.ok(last?.kind === "task" && last.task.status === "SUCCESS");
      } finally {
        await proxy.close();
      }
    });
  }

  it("a server that starts listening a moment later is reached by retries", async () => {
    const port = await freePort();
    const client = createTasksClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 8 });
    const types = client.types();
    // Nothing listens yet: the first attempt is refused (ECONNREFUSED → Unavailable).
    await new Promise((resolve) => setTimeout(resolve, 150));
    const proxy = await flakyProxy(stack.baseUrl, 0, port);
    try {
      assert.ok("test.main.add" in (await types));
      assert.ok(proxy.requests.length >= 1);
    } finally {
      await proxy.close();
    }
  });
});

const ROOT = join(import.meta.dirname, "../..");
const run = promisify(execFile);

describe("the built package, as another project uses it", () => {
  let stack: Stack;
  let project: string;
  before(async () => {
    [stack] = await Promise.all([startStack({ backend: BACKENDS.includes("embedded") ? "embedded" : "real" }), ensureDistBuilt()]);
    // A project that depends on the client package (linked, as `npm install ../tstasks/client` would;
    // test/e2e/client-package.test.ts installs its packed tarball instead).
    project = await mkdtemp(join(tmpdir(), "tstasks-consumer-"));
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
    await mkdir(join(project, "node_modules/@tstasks"), { recursive: true });
    await symlink(join(ROOT, "client"), join(project, "node_modules/@tstasks/client"), "dir");
  });
  after(async () => {
    await stack.stop();
    await rm(project, { recursive: true, force: true });
  });

  it("plain Node (no TypeScript loader) imports @tstasks/client from its dist and runs a task", async () => {
    await writeFile(
      join(project, "main.js"),
      `import { createTasksClient, isNotFound, TaskFailedError } from "@tstasks/client";
const client = createTasksClient({ baseUrl: process.argv[2], protocol: "grpc" });
const sum = await client.run("test.main.add", { x: 20, y: 22 });
const notFound = await client.get("${UNKNOWN_ID}").then(() => false, isNotFound);
console.log(JSON.stringify({ sum, notFound, failedError: typeof TaskFailedError }));
`,
    );
    const { stdout } = await run(process.execPath, ["main.js", stack.baseUrl], { cwd: project });
    assert.deepEqual(JSON.parse(stdout), { sum: 42, notFound: true, failedError: "function" });
  });

  it("TypeScript finds the declarations through the exports' types condition, typed calls included", async () => {
    await writeFile(
      join(project, "consumer.ts"),
      `import { createTasksClient, type TaskInfo } from "@tstasks/client";
interface AddLike { readonly kind: "tstasks.task"; readonly args: unknown; readonly run: (a: { x: number; y: number }) => number }
const client = createTasksClient({ baseUrl: "http://localhost:8080" });
export const task: Promise<TaskInfo> = client.get("id");
export const sum: Promise<number> = client.run<AddLike>("test.main.add", { x: 1, y: 2 });
// @ts-expect-error y is missing
client.run<AddLike>("test.main.add", { x: 1 });
`,
    );
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--skipLibCheck", "--types", "node", "--typeRoots", join(ROOT, "node_modules/@types"), "consumer.ts"];
    const result = await run(process.execPath, [tsc, ...args], { cwd: project }).then(
      () => "",
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    assert.equal(result, "");
  });

  it("a bundler targeting browsers gets the fetch-based entry (no node: modules)", async () => {
    const out = await esbuild({
      stdin: { contents: `export { createTasksClient } from "@tstasks/client";`, resolveDir: project, loader: "js" },
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(out.metafile.inputs);
    assert.ok(inputs.some((i) => i.includes("dist/client/browser.js")), inputs.join("\n"));
    assert.ok(!inputs.some((i) => i.includes("connect-node")));
  });
});
