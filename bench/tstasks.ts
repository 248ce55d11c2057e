import { join } from "node:path";
import pg from "pg";
import { Pool } from "undici";
import { ensureDistBuilt } from "../test/harness/built-dist.js";
import { freePort } from "../test/harness/free-port.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { withTimeout } from "./ceilings.js";
import type { LatencyResult } from "./ceilings.js";
import { startChild } from "./lib/child.js";
import type { Child } from "./lib/child.js";
import { closedLoop, openLoop } from "./lib/load.js";
import { memoryMiB } from "./lib/procfs.js";
import { msBetween, quantile, sleep } from "./lib/stats.js";

const REPO_DIR = join(import.meta.dirname, "..");
/** The pack folder the benchmark's workers load: only `bench.main.noop`. */
const PACKS_DIR = join(import.meta.dirname, "packs");
export const NOOP_TYPE = "bench.main.noop";
/** tstasks' configuration variables (README, Configuration), dropped from the inherited environment. */
const CONFIG_VARIABLE =
  /^(NODE_ENV|PORT|HOST|DATABASE_.*|NATS_URL|NATS_STREAM_REPLICAS|TSTASKS_.*|WORKER_.*|ACK_WAIT_MS|UNSERVED_.*|TASKPACKS(_DIR)?|FRONTEND_URL|MAX_.*|JWT_.*|SUBMIT_RATE_LIMIT|TOKEN_RATE_LIMIT|RESULT_RETENTION|RETENTION_.*|LOG_LEVEL|LOG_FORMAT)$/;

/** Settings of {@link startTstasks}. */
export interface TstasksSettings {
  databaseUrl: string;
  natsUrl: string;
  /** For the server's development JWT key (TSTASKS_DATA_DIR), so nothing is written into the checkout. */
  dataDir: string;
  /** WORKER_CONCURRENCY. */
  concurrency: number;
  /** Requests in flight for submits (connections of the HTTP pool). */
  inFlight: number;
  /** Print the processes' output. */
  verbose: boolean;
  /** More configuration for the server and the workers (README, Configuration), e.g. RESULT_RETENTION. Default: none. */
  env?: Record<string, string>;
}

/** A worker process and when it started. */
export interface TstasksWorker {
  child: Child;
  spawnedNs: bigint;
  /** When its `/readyz` first answered 200. */
  readyNs: bigint;
  /** VmRSS right after it became ready, MiB. */
  idleRssMiB: number | undefined;
}

/** What one drain measured. */
export interface DrainResult {
  /** Tasks per second from the first handler start to the last result seen stored. */
  rate: number;
  /** Worker process spawn → first handler start, ms. */
  startupMs: number;
  /** Worker's peak RSS (VmHWM) after the drain, MiB. */
  workerPeakMiB: number | undefined;
}

/** The running tstasks: the built `dist/server/main.js`, and `dist/worker/main.js` processes started on demand. */
export interface Tstasks {
  readonly server: Child;
  /** `http://127.0.0.1:<port>` of the server (REST, Connect, gRPC and gRPC-Web on one port). */
  readonly origin: string;
  /** `POST /task` of `bench.main.noop`; resolves with the task id. */
  submit(a: number): Promise<string>;
  /** Starts one worker process and waits until its /readyz answers 200. */
  startWorker(): Promise<TstasksWorker>;
  /** Stops a worker with SIGTERM (running tasks finish) and waits for its exit. */
  stopWorker(worker: TstasksWorker): Promise<void>;
  /** `count` submits with `inFlight` outstanding; returns tasks/s. */
  enqueueSingle(count: number): Promise<number>;
  /** `count` tasks as `POST /task:batch` calls of `batch`, `inFlight` calls outstanding; returns tasks/s. */
  enqueueBulk(count: number, batch: number, inFlight: number): Promise<number>;
  /** Waits until no task is unfinished and `expected` more have succeeded than at `baseline`. */
  drain(worker: TstasksWorker, baseline: number, expected: number): Promise<DrainResult>;
  /** Tasks that ended SUCCESS so far. */
  successCount(): Promise<number>;
  /**
   * With a worker running: `count` submits with `inFlight` outstanding, then
   * waits (2 minutes at most) until `count` more tasks have succeeded, so
   * JIT, pools and the queue's consumer are warm.
   */
  warmUp(count: number): Promise<void>;
  /** `pg_stat_database.deadlocks` of the tstasks database. */
  deadlocks(): Promise<number>;
  /** Open loop: submit, then long-poll `GET /task/{id}?wait=10s` until SUCCESS. */
  latency(warmup: number, measured: number, perSecond: number): Promise<LatencyResult>;
  /** The tasks table's row counts and autovacuum runs (pg_stat_user_tables), for the log. */
  tableStats(): Promise<string>;
  /** Lines of server and worker output that mention a deadlock, so far. */
  deadlockLines(): number;
  stop(): Promise<void>;
}

interface TaskJson {
  id: string;
  status: string;
  result?: { sum: number; startNs: string };
  error?: unknown;
}

/**
 * With `BENCH_CPU_PROF=<folder>`, the server and worker processes run under
 * `node --cpu-prof` and write their profiles there when they stop (one
 * `CPU.<date>.<pid>….cpuprofile` each), for finding where the time goes.
 */
function profileArgs(): string[] {
  const dir = process.env["BENCH_CPU_PROF"];
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/** Starts the tstasks server as its own process (REST on a free port) and returns the handle. */
export async function startTstasks(settings: TstasksSettings): Promise<Tstasks> {
  const port = await freePort();
  let deadlockLines = 0;
  const onLine = (line: string): void => {
    if (/deadlock/i.test(line)) deadlockLines++;
  };
  // Settings from the caller's shell must not change what is measured.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !CONFIG_VARIABLE.test(key)),
  );
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...inherited,
    // The product's own guard (README, Processes): a process started by an npm
    // script stops when that parent is gone, so a SIGKILLed benchmark leaves
    // no server or worker behind.
    npm_lifecycle_event: "bench",
    DATABASE_URL: settings.databaseUrl,
    NATS_URL: settings.natsUrl,
    HOST: "127.0.0.1",
    SUBMIT_RATE_LIMIT: "0",
    TASKPACKS_DIR: PACKS_DIR,
    TASKPACKS: "",
    TSTASKS_DATA_DIR: settings.dataDir,
    ...settings.env,
    ...extra,
  });
  // The built processes, as production runs them (`npm run server:prod`, `worker:prod`), from a fresh build.
  await ensureDistBuilt();
  const server = await startChild(process.execPath, [...profileArgs(), "dist/server/main.js"], {
    label: "tstasks-server",
    cwd: REPO_DIR,
    env: env({ PORT: String(port) }),
    onLine,
    echo: settings.verbose,
  });
  const origin = `http://127.0.0.1:${port}`;
  const pool = new Pool(origin, { connections: settings.inFlight });
  const pollPool = new Pool(origin, { connections: 256 });
  const db = new pg.Client({ connectionString: settings.databaseUrl });
  db.on("error", () => {});
  try {
    await server.waitForLine((line) => line.includes("listening on http:"), 60_000);
    await db.connect();
  } catch (err) {
    await server.stop("SIGKILL");
    await Promise.all([pool.close(), pollPool.close(), db.end().catch(() => {})]);
    throw err;
  }

  const submit = async (a: number): Promise<string> => {
    const res = await pool.request({
      path: "/task",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: NOOP_TYPE, args: { a, b: 1 } }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`POST /task answered ${res.statusCode}: ${text}`);
    return (JSON.parse(text) as TaskJson).id;
  };

  const submitBatch = async (first: number, n: number): Promise<void> => {
    const tasks = Array.from({ length: n }, (_, i) => ({ type: NOOP_TYPE, args: { a: first + i, b: 1 } }));
    const res = await pool.request({
      path: "/task:batch",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tasks }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`POST /task:batch answered ${res.statusCode}: ${text}`);
    const refused = (JSON.parse(text) as { results: { error?: unknown }[] }).results.filter((r) => r.error !== undefined);
    if (refused.length > 0) throw new Error(`POST /task:batch refused ${refused.length} of ${n}: ${JSON.stringify(refused[0])}`);
  };

  const countBy = async (statuses: string[]): Promise<number> => {
    const { rows } = await db.query<{ n: string }>("select count(*) as n from tasks where status = any($1::text[])", [statuses]);
    return Number(rows[0]!.n);
  };

  const workers = new Set<TstasksWorker>();
  let workerNumber = 0;

  return {
    server,
    origin,
    submit,
    async startWorker() {
      const healthPort = await freePort();
      const spawnedNs = process.hrtime.bigint();
      const child = await startChild(process.execPath, [...profileArgs(), "dist/worker/main.js"], {
        label: "tstasks-worker",
        cwd: REPO_DIR,
        env: env({
          WORKER_CONCURRENCY: String(settings.concurrency),
          WORKER_HEALTH_PORT: String(healthPort),
          WORKER_NAME: `bench-worker-${++workerNumber}`,
        }),
        onLine,
        echo: settings.verbose,
      });
      try {
        await waitUntil(
          async () => {
            const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
            await res.arrayBuffer();
            return res.status === 200;
          },
          {
            timeoutMs: 60_000,
            intervalMs: 20,
            label: "tstasks worker /readyz",
            abortReason: () => (child.exited ? new Error(`tstasks worker exited:\n${child.output()}`) : undefined),
          },
        );
      } catch (err) {
        await child.stop("SIGKILL");
        throw err;
      }
      const worker = { child, spawnedNs, readyNs: process.hrtime.bigint(), idleRssMiB: memoryMiB(child.pid, "VmRSS") };
      workers.add(worker);
      return worker;
    },
    async stopWorker(worker) {
      await worker.child.stop("SIGTERM", 30_000);
      workers.delete(worker);
    },
    enqueueSingle: (count) => closedLoop(count, settings.inFlight, async (i) => void (await submit(i))),
    async enqueueBulk(count, batch, inFlight) {
      const calls = Math.ceil(count / batch);
      const callsPerSecond = await closedLoop(calls, inFlight, (c) => submitBatch(c * batch, Math.min(batch, count - c * batch)));
      return (callsPerSecond * count) / calls;
    },
    async drain(worker, baseline, expected) {
      let end: bigint | undefined;
      await waitUntil(
        async () => {
          // exists()/limit: stops at the first matches, so the poll stays
          // cheap for Postgres while many tasks are queued (a count(*) here
          // cost 6–11 ms per poll over the dead index entries of a drain).
          // Failed tasks are final too: the count below tells them apart
          // (tasks that failed before the drain must not stop it).
          const { rows } = await db.query<{ unfinished: string }>(
            `select count(*) as unfinished from (select 1 from tasks where status in ('PENDING', 'STARTED', 'RETRY') limit 100) as u`,
          );
          if (Number(rows[0]!.unfinished) > 0) return false;
          end = process.hrtime.bigint();
          return true;
        },
        {
          timeoutMs: 30 * 60_000,
          intervalMs: 50,
          label: "the tstasks drain",
          abortReason: () => (worker.child.exited ? new Error(`tstasks worker exited:\n${worker.child.output()}`) : undefined),
        },
      );
      const succeeded = (await countBy(["SUCCESS"])) - baseline;
      if (succeeded !== expected) {
        throw new Error(`tstasks drain: ${succeeded} tasks succeeded, expected ${expected} (FAILURE or REVOKED now: ${await countBy(["FAILURE", "REVOKED"])})`);
      }
      // The drain is timed from the first handler start (so process start-up
      // and pack loading are not counted; they are reported apart).
      const { rows } = await db.query<{ first: string }>(
        "select min((result->>'startNs')::bigint)::text as first from tasks where status = 'SUCCESS' and (result->>'startNs')::bigint >= $1::bigint",
        [worker.spawnedNs.toString()],
      );
      const first = BigInt(rows[0]!.first);
      return {
        rate: expected / (msBetween(first, end!) / 1000),
        startupMs: msBetween(worker.spawnedNs, first),
        workerPeakMiB: memoryMiB(worker.child.pid, "VmHWM"),
      };
    },
    successCount: () => countBy(["SUCCESS"]),
    async warmUp(count) {
      const baseline = await countBy(["SUCCESS"]);
      await closedLoop(count, settings.inFlight, async (i) => void (await submit(i)));
      await waitUntil(async () => (await countBy(["SUCCESS"])) >= baseline + count, { timeoutMs: 120_000, label: "tstasks warm-up" });
    },
    async deadlocks() {
      const { rows } = await db.query<{ deadlocks: string }>(
        "select deadlocks from pg_stat_database where datname = current_database()",
      );
      return Number(rows[0]!.deadlocks);
    },
    async latency(warmup, measured, perSecond) {
      const start: number[] = [];
      const seen: number[] = [];
      await openLoop(warmup + measured, perSecond, async (i) => {
        const submitNs = process.hrtime.bigint();
        const id = await submit(i);
        const task = await withTimeout(waitForResult(pollPool, id), 30_000, `tstasks task ${id}`);
        const seenNs = process.hrtime.bigint();
        if (i < warmup) return;
        start.push(msBetween(submitNs, BigInt(task.result!.startNs)));
        seen.push(msBetween(submitNs, seenNs));
      });
      return {
        start: { p50: quantile(start, 0.5), p99: quantile(start, 0.99) },
        seen: { p50: quantile(seen, 0.5), p99: quantile(seen, 0.99) },
      };
    },
    async tableStats() {
      const { rows } = await db.query<{ live: string; dead: string; vacuums: string; analyzes: string; size: string }>(
        `select n_live_tup as live, n_dead_tup as dead, autovacuum_count as vacuums, autoanalyze_count as analyzes,
                pg_size_pretty(pg_total_relation_size(relid)) as size
           from pg_stat_user_tables where relname = 'tasks'`,
      );
      const r = rows[0];
      return r ? `tasks table: ${r.live} live / ${r.dead} dead rows, ${r.size}, autovacuum ${r.vacuums}×, autoanalyze ${r.analyzes}×` : "no tasks table";
    },
    deadlockLines: () => deadlockLines,
    async stop() {
      try {
        for (const worker of workers) await worker.child.stop("SIGTERM", 10_000);
        await server.stop("SIGTERM", 10_000);
      } finally {
        await Promise.all([pool.close(), pollPool.close(), db.end().catch(() => {})]);
      }
    },
  };
}

/** Long-polls `GET /task/{id}?wait=10s` until the task is SUCCESS; throws for another final status. */
async function waitForResult(pool: Pool, id: string): Promise<TaskJson> {
  for (;;) {
    const res = await pool.request({ path: `/task/${id}?wait=10s`, method: "GET" });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET /task/${id} answered ${res.statusCode}: ${text}`);
    const task = JSON.parse(text) as TaskJson;
    if (task.status === "SUCCESS") return task;
    if (task.status === "FAILURE" || task.status === "REVOKED") throw new Error(`task ${id} ended ${task.status}: ${JSON.stringify(task.error)}`);
    await sleep(0);
  }
}
