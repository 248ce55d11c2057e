/**
 * `npm run bench:scaling`: how the drain grows from one worker process to
 * two on this machine. Starts a private Postgres and nats-server
 * (test/harness), the built server (`dist/server/main.js`), queues N tasks
 * through `POST /task:batch` with no worker running, then starts 1 or 2
 * built workers (`dist/worker/main.js`, concurrency 50, the repository's
 * taskpacks) and times the drain from the first claim to the last result
 * stored (the rows' started_at and finished_at). Three task types: a
 * CPU-bound one with a small result (`demo.main.pi`), mov3d (CPU plus a
 * result of some 20 KB stored in Postgres) and a no-op. Medians of 3 (1 with
 * --quick); writes docs/scaling.md between its markers unless --quick.
 */
import { join } from "node:path";
import pg from "pg";
import { Pool } from "undici";
import { ensureDistBuilt } from "../test/harness/built-dist.js";
import { freePort } from "../test/harness/free-port.js";
import { startNats } from "../test/harness/nats-server.js";
import { startPostgres } from "../test/harness/postgres-server.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { startChild, type Child } from "./lib/child.js";
import { describeMachine } from "./lib/machine.js";
import { CpuMeter, serverPid } from "./lib/procfs.js";
import { median } from "./lib/stats.js";
import { writeSection } from "./lib/doc-section.js";

const REPO_DIR = join(import.meta.dirname, "..");
const quick = process.argv.includes("--quick");
const REPS = quick ? 1 : 3;

interface Case {
  label: string;
  type: string;
  args: Record<string, unknown>;
  n: number;
}

const CASES: Case[] = [
  { label: "`demo.main.pi`, 200,000 samples (CPU-bound; a 40-byte result)", type: "demo.main.pi", args: { samples: 200_000, chunks: 1 }, n: quick ? 300 : 1500 },
  {
    label: "`physicsjs.main.mov3d`, dt 0.05, 100 m drop (CPU, and a ~20 KB result stored)",
    type: "physicsjs.main.mov3d",
    args: { dt: 0.05, r0: [0, 100, 0], v0: [5, 10, 0], mass: 1, radius: 0.1, drag: true },
    n: quick ? 1000 : 5000,
  },
  { label: "`test.main.add` (no work)", type: "test.main.add", args: { x: 1, y: 2 }, n: quick ? 4000 : 20_000 },
];

interface RunResult {
  rate: number;
  /** CPU µs per task, by process role. */
  cpu: Record<string, number>;
}

async function main(): Promise<void> {
  const machine = describeMachine(undefined);
  await ensureDistBuilt();
  const dataDir = makeTempDir("tstasks-scaling-");
  const [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
  const port = await freePort();
  const env = {
    PATH: process.env["PATH"],
    HOME: process.env["HOME"],
    npm_lifecycle_event: "bench",
    DATABASE_URL: postgres.url,
    NATS_URL: nats.url,
    HOST: "127.0.0.1",
    SUBMIT_RATE_LIMIT: "0",
    RESULT_RETENTION: "off",
    TSTASKS_DATA_DIR: dataDir.path,
  };
  const server = await startChild(process.execPath, ["dist/server/main.js"], { label: "server", cwd: REPO_DIR, env: { ...env, PORT: String(port) } });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 4 });
  const db = new pg.Client({ connectionString: postgres.url });
  const workers: Child[] = [];
  let workerCount = 0;
  const startWorker = async (): Promise<Child> => {
    const child = await startChild(process.execPath, ["dist/worker/main.js"], {
      label: "worker",
      cwd: REPO_DIR,
      env: { ...env, WORKER_CONCURRENCY: "50", WORKER_NAME: `scaling-${++workerCount}` },
    });
    workers.push(child);
    await child.waitForLine((line) => line.includes("consumes default"), 60_000);
    return child;
  };
  const results = new Map<string, RunResult[]>();
  try {
    await server.waitForLine((line) => line.includes("listening on http:"), 60_000);
    await db.connect();
    // One worker run registers the task types with the server's catalog.
    const first = await startWorker();
    await first.stop("SIGTERM", 30_000);

    for (const c of CASES) {
      for (const count of [1, 2]) {
        for (let rep = 0; rep < REPS; rep++) {
          const ids = await enqueue(pool, c);
          const meter = new CpuMeter({ server: server.pid, postgres: serverPid("postgres", postgres.port), nats: serverPid("nats-server", nats.port) });
          const started = await Promise.all(Array.from({ length: count }, () => startWorker()));
          const cpuMeter = new CpuMeter(Object.fromEntries(started.map((w, i) => [`worker ${i + 1}`, w.pid])));
          const before = { ...meter.read(), ...cpuMeter.read() };
          await waitUntil(
            async () => {
              const { rows } = await db.query<{ left: number }>(
                "select count(*)::int as left from tasks where id = any($1::uuid[]) and status not in ('SUCCESS', 'FAILURE', 'REVOKED')",
                [ids],
              );
              return rows[0]!.left === 0;
            },
            { timeoutMs: 20 * 60_000, intervalMs: 100, label: `${c.type} with ${count} workers` },
          );
          const cpu = { ...meter.perTask(before, ids.length), ...cpuMeter.perTask(before, ids.length) };
          const { rows } = await db.query<{ seconds: number; failed: number }>(
            `select extract(epoch from max(finished_at) - min(started_at))::float8 as seconds,
                    count(*) filter (where status <> 'SUCCESS')::int as failed
             from tasks where id = any($1::uuid[])`,
            [ids],
          );
          if (rows[0]!.failed > 0) throw new Error(`${rows[0]!.failed} ${c.type} tasks did not succeed`);
          const rate = ids.length / rows[0]!.seconds;
          console.log(`[scaling] ${c.type} × ${c.n}, ${count} worker(s), #${rep + 1}: ${Math.round(rate)}/s`);
          const key = `${c.type}#${count}`;
          results.set(key, [...(results.get(key) ?? []), { rate, cpu }]);
          await Promise.all(started.map((w) => w.stop("SIGTERM", 30_000)));
          await db.query("delete from tasks where id = any($1::uuid[])", [ids]);
        }
      }
    }
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop("SIGKILL")));
    await server.stop("SIGTERM");
    await pool.close();
    await db.end().catch(() => {});
    await Promise.allSettled([postgres.stop(), nats.stop()]);
    await dataDir.remove();
  }

  const rows = CASES.map((c) => {
    const one = results.get(`${c.type}#1`)!;
    const two = results.get(`${c.type}#2`)!;
    const r1 = median(one.map((r) => r.rate));
    const r2 = median(two.map((r) => r.rate));
    const cpuText = Object.entries(one[0]!.cpu).map(([role, us]) => `${role} ${Math.round(us)}`).join(" + ");
    return `| ${c.label} | ${c.n.toLocaleString("en-US")} | ${Math.round(r1).toLocaleString("en-US")}/s | ${Math.round(r2).toLocaleString("en-US")}/s | ${(r2 / r1).toFixed(2)}× | ${cpuText} µs |`;
  });
  const markers = {
    begin: "<!-- bench:begin — generated by `npm run bench:scaling`; everything up to bench:end is overwritten -->",
    end: "<!-- bench:end -->",
  };
  const section = [
    "## Latest run",
    "",
    `- date: ${machine.date}; ${quick ? "quick (1 repetition)" : `medians of ${REPS}`}; load average at start ${machine.loadAtStart}`,
    `- CPU: ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; ${machine.natsServer}; ${machine.postgres}`,
    "- every process on this one machine: server, workers, Postgres (test harness settings: fsync off), nats-server",
    "",
    "| task | tasks | 1 worker | 2 workers | 2 / 1 | CPU per task, 1 worker (first repetition) |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  console.log(section);
  if (!quick) await writeSection(join(REPO_DIR, "docs/scaling.md"), markers, section, "# Scaling out\n");
}

/** Queues `c.n` tasks of `c`, 1,000 per `POST /task:batch`; returns their ids. */
async function enqueue(pool: Pool, c: Case): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < c.n; done += 1000) {
    const tasks = Array.from({ length: Math.min(1000, c.n - done) }, () => ({ type: c.type, args: c.args }));
    const res = await pool.request({ path: "/task:batch", method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tasks }) });
    const body = JSON.parse(await res.body.text()) as { results?: { task?: { id: string }; error?: unknown }[] };
    if (res.statusCode !== 200 || !body.results) throw new Error(`POST /task:batch answered ${res.statusCode}: ${JSON.stringify(body)}`);
    for (const r of body.results) {
      if (!r.task) throw new Error(`a task was refused: ${JSON.stringify(r.error)}`);
      ids.push(r.task.id);
    }
  }
  return ids;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
