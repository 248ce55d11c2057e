/**
 * `npm run bench:focus -- <what> [--n N] [--reps R]`: tstasks alone, one
 * measurement repeated, for an A/B of one change (run it before and after,
 * on a quiet machine). Starts a private Postgres and nats-server, the built
 * server and worker processes as `npm run bench` does (BENCH_CPU_PROF works
 * here too), and prints one line per repetition; writes nothing.
 *
 *   bulk    N tasks through POST /task:batch (1,000 a call), worker stopped: tasks/s and CPU µs per task
 *   single  N tasks through POST /task, 100 in flight, worker stopped: the same
 *   drain   N queued tasks run by a fresh worker: tasks/s, and CPU µs per task of Postgres and nats-server
 *   stages  300 submits 20 ms apart with a worker running: where submit → handler start goes, from the
 *           submit time, the row's created_at and started_at (transaction start times) and the handler's
 *           startNs, p50 and p90 per stage (the rows' timestamps are timestamptz(3): whole milliseconds)
 *
 * Defaults: N = 20,000, 3 repetitions.
 */
import pg from "pg";
import { startNats } from "../test/harness/nats-server.js";
import { startPostgres } from "../test/harness/postgres-server.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { CpuMeter, serverPid, treeCpuMs, type CpuReading } from "./lib/procfs.js";
import { startTstasks, type Tstasks } from "./tstasks.js";

const MODES = ["bulk", "single", "drain", "stages"] as const;
type Mode = (typeof MODES)[number];

function parseArgs(argv: string[]): { mode: Mode; n: number; reps: number } {
  const mode = argv[0] as Mode;
  if (!MODES.includes(mode)) throw new Error(`usage: npm run bench:focus -- <${MODES.join("|")}> [--n N] [--reps R]`);
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} needs a positive whole number`);
    return v;
  };
  return { mode, n: value("--n", 20_000), reps: value("--reps", 3) };
}

const rounded = (cpu: CpuReading): string =>
  Object.entries(cpu)
    .map(([role, us]) => `${role} ${Math.round(us)}`)
    .join(", ");

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

/** Submit → handler start, stage by stage, from the rows' own timestamps. */
async function stages(t: Tstasks, databaseUrl: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const worker = await t.startWorker();
  try {
    const sent: { id: string; atMs: number; atNs: bigint; answeredMs: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const atNs = process.hrtime.bigint();
      const atMs = performance.timeOrigin + performance.now();
      const id = await t.submit(i);
      sent.push({ id, atMs, atNs, answeredMs: performance.timeOrigin + performance.now() });
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitUntil(
      async () => {
        const { rows } = await db.query("select count(*)::int as n from tasks where id = any($1::uuid[]) and status = 'SUCCESS'", [
          sent.map((s) => s.id),
        ]);
        return rows[0].n === sent.length ? true : undefined;
      },
      { timeoutMs: 30_000, label: "every stage task done" },
    );
    const { rows } = await db.query(
      `select id, extract(epoch from created_at) * 1000 as created, extract(epoch from started_at) * 1000 as started,
              extract(epoch from finished_at) * 1000 as finished, result->>'startNs' as start_ns
         from tasks where id = any($1::uuid[])`,
      [sent.map((s) => s.id)],
    );
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    const parts: Record<string, number[]> = {
      "submit → insert statement": [],
      "insert → answer received": [],
      "insert → claim statement": [],
      "claim statement → handler": [],
      "claim → finish statement": [],
      "submit → handler start": [],
    };
    // The first 50 warm up.
    for (const s of sent.slice(50)) {
      const r = byId.get(s.id)!;
      const handlerMs = s.atMs + Number(BigInt(r.start_ns) - s.atNs) / 1e6;
      parts["submit → insert statement"]!.push(r.created - s.atMs);
      parts["insert → answer received"]!.push(s.answeredMs - r.created);
      parts["insert → claim statement"]!.push(r.started - r.created);
      parts["claim statement → handler"]!.push(handlerMs - r.started);
      parts["claim → finish statement"]!.push(r.finished - r.started);
      parts["submit → handler start"]!.push(handlerMs - s.atMs);
    }
    for (const [stage, values] of Object.entries(parts)) {
      values.sort((a, b) => a - b);
      console.log(`${stage.padEnd(28)} p50 ${quantile(values, 0.5).toFixed(2)} ms   p90 ${quantile(values, 0.9).toFixed(2)} ms`);
    }
  } finally {
    await t.stopWorker(worker);
    await db.end();
  }
}

async function main(): Promise<void> {
  const { mode, n, reps } = parseArgs(process.argv.slice(2));
  const [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
  const dataDir = makeTempDir("tstasks-focus-");
  let t: Tstasks | undefined;
  try {
    t = await startTstasks({ databaseUrl: postgres.url, natsUrl: nats.url, dataDir: dataDir.path, concurrency: 50, inFlight: 100, verbose: false });
    const tstasks = t;
    // The first worker registers the bench pack and creates the consumer; 1,000 tasks warm everything up.
    const warm = await tstasks.startWorker();
    await tstasks.warmUp(1000);
    await tstasks.stopWorker(warm);
    if (mode === "stages") {
      await stages(tstasks, postgres.url);
      return;
    }
    const meter = new CpuMeter({
      server: tstasks.server.pid,
      postgres: serverPid("postgres", postgres.port),
      nats: serverPid("nats-server", nats.port),
    });
    for (let rep = 1; rep <= reps; rep++) {
      if (mode === "drain") {
        const baseline = await tstasks.successCount();
        await tstasks.enqueueBulk(n, 1000, 1);
        const before = meter.read();
        const worker = await tstasks.startWorker();
        // From its readiness on: the worker's start-up is not counted, a few tasks it ran before may be missed.
        const workerBefore = treeCpuMs(worker.child.pid);
        const drained = await tstasks.drain(worker, baseline, n);
        const workerCpu = workerBefore === undefined ? undefined : ((treeCpuMs(worker.child.pid) ?? workerBefore) - workerBefore) * 1000 / n;
        const cpu = { ...meter.perTask(before, n), ...(workerCpu === undefined ? {} : { worker: workerCpu }) };
        console.log(`#${rep} drain ${Math.round(drained.rate)}/s; CPU µs per task: ${rounded(cpu)}`);
        await tstasks.stopWorker(worker);
      } else {
        const before = meter.read();
        const rate = mode === "bulk" ? await tstasks.enqueueBulk(n, 1000, 1) : await tstasks.enqueueSingle(n);
        console.log(`#${rep} ${mode} ${Math.round(rate)}/s; CPU µs per task: ${rounded(meter.perTask(before, n))}`);
      }
    }
  } finally {
    await t?.stop();
    await Promise.all([nats.stop(), postgres.stop()]);
    await dataDir.remove();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
