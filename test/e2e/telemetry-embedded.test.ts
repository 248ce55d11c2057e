import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../harness/free-port.js";
import { registerExitCleanup } from "../harness/process-cleanup.js";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { sampleValue, scrape } from "../support/prometheus-text.js";

const REPO = join(import.meta.dirname, "../..");
// Node itself (not the tsx wrapper, which forks a child), so SIGTERM reaches the app.
const TSX_LOADER = import.meta.resolve("tsx");

/** A span as OTLP/HTTP JSON carries it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** A stand-in OpenTelemetry collector: keeps the body of every POST /v1/traces (OTLP/HTTP JSON). */
async function startCollector(): Promise<{ server: Server; url: string; posts: { path: string; contentType: string; body: any }[] }> {
  const posts: { path: string; contentType: string; body: any }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      posts.push({ path: req.url ?? "", contentType: req.headers["content-type"] ?? "", body: text ? JSON.parse(text) : undefined });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once("exit", (code) => r(code)));
}

// `npm start` (server and worker in one process, embedded store and queue) with tracing on through the standard variables.
describe("npm start's metrics and an OTLP export [embedded]", () => {
  let dir: string;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tstasks-telemetry-"));
    collector = await startCollector();
  });
  after(async () => {
    await new Promise((r) => collector?.server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it("/metrics shows the worker's series beside the server's, and the spans of a task reach the collector in the caller's trace", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let out = "";
    const child = spawn(process.execPath, ["--import", TSX_LOADER, join(REPO, "app/main.ts")], {
      cwd: dir,
      env: {
        PATH: process.env["PATH"],
        HOME: process.env["HOME"],
        PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: "200",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const unregister = registerExitCleanup(() => child.kill("SIGKILL"));
    child.once("exit", unregister);
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    try {
      await waitUntil(async () => (await httpJson(`${url}/ready`)).status === 200, {
        timeoutMs: 60_000,
        label: "the embedded app to be ready",
        abortReason: () => (child.exitCode !== null ? new Error(`app exited:\n${out}`) : undefined),
      });
      assert.match(out, /traces: OTLP\/HTTP to http:\/\/127\.0\.0\.1:\d+\/v1\/traces as tstasks/);
      const res = await httpJson(`${url}/task`, {
        body: { type: "test.main.add", args: { x: 1, y: 2 } },
        headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal((await waitForFinal(url, res.body.id)).status, "SUCCESS");

      const m = await scrape(`${url}/metrics`);
      const add = { type: "test.main.add", queue: "default" };
      assert.equal(sampleValue(m, "tstasks_tasks_submitted_total", add), 1, "the server's");
      assert.equal(sampleValue(m, "tstasks_tasks_succeeded_total", add), 1, "the worker's, in the same registry");
      assert.equal(sampleValue(m, "tstasks_task_submit_to_final_seconds_count", add), 1);
      assert.equal(sampleValue(m, "tstasks_http_requests_total", { method: "POST /task", code: "200" }), 1);
      assert.equal(sampleValue(m, "tstasks_workers_alive"), 1);
      assert.ok(sampleValue(m, "process_resident_memory_bytes")! > 0);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited(child), 0, out);

    // The provider was flushed on the way out: the task's four spans arrived, in the caller's trace.
    const posts = collector.posts.filter((p) => p.path === "/v1/traces");
    assert.ok(posts.length > 0, `no OTLP POST arrived; saw ${JSON.stringify(collector.posts.map((p) => p.path))}`);
    assert.match(posts[0]!.contentType, /^application\/json/);
    const resources = posts.flatMap((p) => p.body.resourceSpans as any[]);
    const serviceNames = new Set(resources.map((r) => r.resource.attributes.find((a: any) => a.key === "service.name")?.value.stringValue));
    assert.deepEqual([...serviceNames], ["tstasks"]);
    const spans: OtlpSpan[] = resources.flatMap((r) => r.scopeSpans.flatMap((s: any) => s.spans));
    const inTrace = spans.filter((s) => s.traceId === traceId);
    const byName = new Map(inTrace.map((s) => [s.name, s]));
    assert.deepEqual([...byName.keys()].sort(), ["publish", "result write", "run", "submit"], JSON.stringify(spans.map((s) => s.name)));
    assert.equal(byName.get("submit")!.parentSpanId, "b7ad6b7169203331");
    assert.equal(byName.get("run")!.parentSpanId, byName.get("publish")!.spanId);
  });
});
