/**
 * `npm run bench`: tstasks, BullMQ and pg-boss on the same workload in one
 * run, plus the bare ceilings of what they are built on (issue 11, "The
 * benchmark").
 *
 * Starts a private Postgres and nats-server (test/harness) and a private
 * redis-server on free ports in temp folders, runs tstasks as its real
 * processes (built: `dist/server/main.js`, `dist/worker/main.js` with WORKER_CONCURRENCY=50,
 * the pack in bench/packs/), BullMQ with its Worker in its own process, and
 * pg-boss in its own database (`pgboss`) of the same Postgres with its
 * workers in their own process, and per repetition measures: enqueue (one
 * call per task with 100 in flight, and in bulk), drain of N queued tasks by
 * one worker process, open-loop latency, RSS; then the JetStream, Postgres
 * and node:http ceilings. Prints medians and writes them to docs/performance.md.
 *
 *   npm run bench                    # 3 repetitions, N = 20,000; writes docs/performance.md
 *   npm run bench -- --quick         # or BENCH_QUICK=1: 1 repetition, N = 3,000; prints only
 *   options: --reps R  --n N  --write / --no-write  --pg-durable  --no-bullmq  --no-pgboss  --verbose
 */
import { join } from "node:path";
import pg from "pg";
import { startNats } from "../test/harness/nats-server.js";
import type { NatsServer } from "../test/harness/nats-server.js";
import { startPostgres } from "../test/harness/postgres-server.js";
import type { PostgresServer } from "../test/harness/postgres-server.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import type { TempDir } from "../test/harness/temp-dir.js";
import { startBullBench } from "./bullmq.js";
import type { BullBench } from "./bullmq.js";
import { connectEchoRate, httpEchoRate, jetstreamLatency, jetstreamThroughput, postgresInsertRate } from "./ceilings.js";
import { describeMachine } from "./lib/machine.js";
import { findRedisServer, startRedis } from "./lib/redis-server.js";
import type { RedisServer } from "./lib/redis-server.js";
import { PGBOSS_DRAIN_MAX, PGBOSS_POLLING_SECONDS, pgBossVersion, startPgBossBench } from "./pgboss.js";
import type { PgBossBench } from "./pgboss.js";
import { CpuMeter, memoryMiB, serverPid } from "./lib/procfs.js";
import { rpcSubmitRate } from "./lib/connect-submit.js";
import { generatedSection, machineLines, repetitionTable, resultTable, writeGeneratedSection } from "./report.js";
import type { RunResults, SystemResults } from "./report.js";
import { startTstasks } from "./tstasks.js";
import type { Tstasks } from "./tstasks.js";

interface Options {
  quick: boolean;
  reps: number;
  n: number;
  warmup: number;
  measured: number;
  perSecond: number;
  jetstreamCount: number;
  postgresRows: number;
  httpCount: number;
  write: boolean;
  pgDurable: boolean;
  verbose: boolean;
  /** Skip BullMQ and Redis. */
  noBullmq: boolean;
  /** Skip pg-boss (and its database). */
  noPgboss: boolean;
}

const CONCURRENCY = 50;
const IN_FLIGHT = 100;
const BULK_BATCH = 1000;
/** Batch calls outstanding at once when tstasks enqueues in bulk: one, as BullMQ's addBulk and pg-boss's insert are measured. */
const BULK_IN_FLIGHT = 1;
/** Tasks each system runs before the first repetition, so JIT, pools and consumers are warm. */
const WARMUP_TASKS = 1000;

function parseOptions(argv: string[]): Options {
  const flag = (name: string): boolean => argv.includes(name);
  const value = (name: string): number | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive whole number`);
    return v;
  };
  const known = new Set(["--quick", "--reps", "--n", "--write", "--no-write", "--pg-durable", "--verbose", "--no-bullmq", "--no-pgboss"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!known.has(arg)) throw new Error(`unknown option ${arg} (known: ${[...known].join(" ")})`);
    if (arg === "--reps" || arg === "--n") i++;
  }
  const quick = flag("--quick") || process.env.BENCH_QUICK === "1";
  return {
    quick,
    reps: value("--reps") ?? (quick ? 1 : 3),
    n: value("--n") ?? (quick ? 3_000 : 20_000),
    warmup: quick ? 100 : 300,
    measured: quick ? 200 : 500,
    perSecond: 100,
    jetstreamCount: quick ? 5_000 : 20_000,
    postgresRows: quick ? 20_000 : 100_000,
    httpCount: quick ? 5_000 : 20_000,
    write: flag("--write") || (!quick && !flag("--no-write")),
    pgDurable: flag("--pg-durable"),
    verbose: flag("--verbose"),
    noBullmq: flag("--no-bullmq"),
    noPgboss: flag("--no-pgboss"),
  };
}

function emptySystem(withBulk: boolean): SystemResults {
  return {
    enqueueSingle: [],
    enqueueBulk: withBulk ? [] : undefined,
    drain: [],
    startupMs: [],
    startP50: [],
    startP99: [],
    seenP50: [],
    seenP99: [],
    serverIdleMiB: undefined,
    serverPeakMiB: undefined,
    workerIdleMiB: undefined,
    workerPeakMiB: undefined,
    cpuEnqueue: [],
    cpuDrain: [],
  };
}

/** The pids whose CPU time the benchmark reads. */
interface ServerPids {
  postgres: number | undefined;
  nats: number | undefined;
  redis: number | undefined;
}

const maxOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

function log(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Warm-up and one repetition of tstasks: enqueue with the worker stopped, drain, latency. */
async function tstasksRepetition(t: Tstasks, o: Options, out: SystemResults, rep: number, pids: ServerPids): Promise<number> {
  const deadlocksBefore = await t.deadlocks();
  const baseline = await t.successCount();
  const enqueueMeter = new CpuMeter({ server: t.server.pid, postgres: pids.postgres, nats: pids.nats, submitter: process.pid });
  const enqueueCpu = enqueueMeter.read();
  const enqueue = await t.enqueueSingle(o.n);
  out.enqueueSingle.push(enqueue);
  out.cpuEnqueue.push(enqueueMeter.perTask(enqueueCpu, o.n));
  log(`tstasks #${rep}: enqueued ${o.n} at ${Math.round(enqueue)}/s (worker stopped); starting the worker`);
  const worker = await t.startWorker();
  out.workerIdleMiB = maxOf(out.workerIdleMiB, worker.idleRssMiB);
  try {
    const drainMeter = new CpuMeter({ worker: worker.child.pid, server: t.server.pid, postgres: pids.postgres, nats: pids.nats });
    const drainCpu = drainMeter.read();
    const doneBefore = (await t.successCount()) - baseline;
    log(`tstasks #${rep}: before the drain: ${await t.tableStats()}`);
    const drain = await t.drain(worker, baseline, o.n);
    log(`tstasks #${rep}: after the drain: ${await t.tableStats()}`);
    out.cpuDrain.push(drainMeter.perTask(drainCpu, o.n - doneBefore));
    out.drain.push(drain.rate);
    out.startupMs.push(drain.startupMs);
    log(
      `tstasks #${rep}: drained at ${Math.round(drain.rate)}/s (worker start → first handler ${Math.round(drain.startupMs)} ms)`,
    );
    recordLatency(out, await t.latency(o.warmup, o.measured, o.perSecond), `tstasks #${rep}`);
    out.workerPeakMiB = maxOf(out.workerPeakMiB, maxOf(drain.workerPeakMiB, memoryMiB(worker.child.pid, "VmHWM")));
  } finally {
    await t.stopWorker(worker);
  }
  // SubmitTask over Connect and gRPC, then the batch RPC, worker stopped again; then a worker drains
  // what they queued, so the next repetition starts empty.
  const bulkBaseline = await t.successCount();
  const rpcCount = o.httpCount;
  const overConnect = await rpcSubmitRate(t.origin, "connect", rpcCount, IN_FLIGHT, 0);
  const overGrpc = await rpcSubmitRate(t.origin, "grpc", rpcCount, IN_FLIGHT, 0);
  (out.enqueueConnect ??= []).push(overConnect);
  (out.enqueueGrpc ??= []).push(overGrpc);
  const bulk = await t.enqueueBulk(o.n, BULK_BATCH, BULK_IN_FLIGHT);
  out.enqueueBulk!.push(bulk);
  log(`tstasks #${rep}: SubmitTask over Connect ${Math.round(overConnect)}/s, over gRPC ${Math.round(overGrpc)}/s; ${o.n} in bulk at ${Math.round(bulk)}/s (worker stopped)`);
  const bulkWorker = await t.startWorker();
  try {
    const drained = await t.drain(bulkWorker, bulkBaseline, o.n + 2 * rpcCount);
    log(`tstasks #${rep}: drained those at ${Math.round(drained.rate)}/s`);
  } finally {
    await t.stopWorker(bulkWorker);
  }
  const deadlocks = (await t.deadlocks()) - deadlocksBefore;
  log(`tstasks #${rep}: ${deadlocks} Postgres deadlocks`);
  return deadlocks;
}

/** Adds one repetition's open-loop latency percentiles to `out` and logs them under `label`. */
function recordLatency(
  out: SystemResults,
  latency: { start: { p50: number; p99: number }; seen: { p50: number; p99: number } },
  label: string,
): void {
  out.startP50.push(latency.start.p50);
  out.startP99.push(latency.start.p99);
  out.seenP50.push(latency.seen.p50);
  out.seenP99.push(latency.seen.p99);
  log(
    `${label}: latency handler start p50 ${latency.start.p50.toFixed(2)} / p99 ${latency.start.p99.toFixed(2)} ms, ` +
      `result seen p50 ${latency.seen.p50.toFixed(2)} / p99 ${latency.seen.p99.toFixed(2)} ms`,
  );
}

/** One repetition of BullMQ: enqueue single and bulk with no worker, drain, latency. */
async function bullRepetition(b: BullBench, o: Options, out: SystemResults, rep: number, pids: ServerPids): Promise<void> {
  const queue = await b.queue(`bench-r${rep}`);
  const enqueueMeter = new CpuMeter({ redis: pids.redis, submitter: process.pid });
  const enqueueCpu = enqueueMeter.read();
  const enqueue = await b.enqueueSingle(queue, o.n);
  out.enqueueSingle.push(enqueue);
  out.cpuEnqueue.push(enqueueMeter.perTask(enqueueCpu, o.n));
  const bulkQueue = await b.queue(`bulk-r${rep}`);
  const bulk = await b.enqueueBulk(bulkQueue, o.n, BULK_BATCH);
  out.enqueueBulk!.push(bulk);
  await bulkQueue.obliterate({ force: true });
  log(`BullMQ #${rep}: enqueued ${o.n} at ${Math.round(enqueue)}/s, in bulk at ${Math.round(bulk)}/s (no worker); starting the worker`);
  const worker = await b.startWorker(queue.name);
  out.workerIdleMiB = maxOf(out.workerIdleMiB, worker.idleRssMiB);
  try {
    const drainMeter = new CpuMeter({ worker: worker.child.pid, redis: pids.redis });
    const drainCpu = drainMeter.read();
    const doneBefore = await b.completed(queue);
    const drain = await b.drain(queue, worker, o.n);
    out.cpuDrain.push(drainMeter.perTask(drainCpu, o.n - doneBefore));
    out.drain.push(drain.rate);
    out.startupMs.push(drain.startupMs);
    log(
      `BullMQ #${rep}: drained at ${Math.round(drain.rate)}/s (worker start → first handler ${Math.round(drain.startupMs)} ms)`,
    );
    recordLatency(out, await b.latency(queue, o.warmup, o.measured, o.perSecond), `BullMQ #${rep}`);
    out.workerPeakMiB = maxOf(out.workerPeakMiB, maxOf(drain.workerPeakMiB, memoryMiB(worker.child.pid, "VmHWM")));
  } finally {
    await b.stopWorker(worker);
  }
}

/**
 * One repetition of pg-boss: enqueue single and bulk with no worker, drain,
 * latency; then its queue is deleted, so tstasks' next repetition shares
 * Postgres with no pg-boss rows.
 */
async function pgbossRepetition(p: PgBossBench, o: Options, out: SystemResults, rep: number, pids: ServerPids): Promise<void> {
  // pg-boss's serving side is Postgres alone (the whole server: every backend, its other databases idle meanwhile).
  const enqueueMeter = new CpuMeter({ postgres: pids.postgres, submitter: process.pid });
  const singleQueue = await p.queue(`single-r${rep}`);
  const enqueueCpu = enqueueMeter.read();
  const enqueue = await p.enqueueSingle(singleQueue, o.n);
  out.enqueueSingle.push(enqueue);
  out.cpuEnqueue.push(enqueueMeter.perTask(enqueueCpu, o.n));
  await p.deleteQueue(singleQueue);
  const bulkQueue = await p.queue(`bulk-r${rep}`);
  const bulk = await p.enqueueBulk(bulkQueue, o.n, BULK_BATCH);
  out.enqueueBulk!.push(bulk);
  await p.deleteQueue(bulkQueue);
  // Its drain is bounded by polling (at most 100 jobs/s here), so it drains fewer (PGBOSS_DRAIN_MAX).
  const drainN = Math.min(o.n, PGBOSS_DRAIN_MAX);
  const queue = await p.queue(`bench-r${rep}`);
  await p.enqueueBulk(queue, drainN, BULK_BATCH);
  log(`pg-boss #${rep}: enqueued ${o.n} at ${Math.round(enqueue)}/s, in bulk at ${Math.round(bulk)}/s (no worker); starting the worker for ${drainN}`);
  const worker = await p.startWorker(queue);
  out.workerIdleMiB = maxOf(out.workerIdleMiB, worker.idleRssMiB);
  try {
    const drainMeter = new CpuMeter({ worker: worker.child.pid, postgres: pids.postgres });
    const drainCpu = drainMeter.read();
    const doneBefore = await p.completed(queue);
    const drain = await p.drain(queue, worker, drainN);
    out.cpuDrain.push(drainMeter.perTask(drainCpu, drainN - doneBefore));
    out.drain.push(drain.rate);
    out.startupMs.push(drain.startupMs);
    log(
      `pg-boss #${rep}: drained at ${Math.round(drain.rate)}/s (worker start → first handler ${Math.round(drain.startupMs)} ms)`,
    );
    recordLatency(out, await p.latency(queue, o.warmup, o.measured, o.perSecond), `pg-boss #${rep}`);
    out.workerPeakMiB = maxOf(out.workerPeakMiB, maxOf(drain.workerPeakMiB, memoryMiB(worker.child.pid, "VmHWM")));
  } finally {
    await p.stopWorker(worker);
  }
  await p.deleteQueue(queue);
}

async function readDeadlocks(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ deadlocks: string }>("select deadlocks from pg_stat_database where datname = current_database()");
    return Number(rows[0]!.deadlocks);
  } finally {
    await client.end().catch(() => {});
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const redisBinary = o.noBullmq ? undefined : findRedisServer();
  const machine = describeMachine(findRedisServer());
  log(`${o.quick ? "quick" : "full"} mode: ${o.reps} repetition(s), N = ${o.n}`);
  log(`${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB; load ${machine.loadAtStart}; Node ${machine.node}`);

  const results: RunResults = {
    mode: o.quick ? "quick" : "full",
    reps: o.reps,
    n: o.n,
    latency: { warmup: o.warmup, measured: o.measured, perSecond: o.perSecond },
    ceilingCounts: { jetstream: o.jetstreamCount, postgresRows: o.postgresRows, http: o.httpCount },
    pgDurable: o.pgDurable,
    tstasks: emptySystem(true),
    bullmq: undefined,
    pgboss: undefined,
    ceilings: {
      httpEcho: [],
      connectEcho: [],
      grpcEcho: [],
      postgresInsert: [],
      jetstream: [],
      jetstreamStartP50: [],
      jetstreamStartP99: [],
      jetstreamSeenP50: [],
      jetstreamSeenP99: [],
    },
    deadlocks: { perRep: [], total: 0, logLines: 0 },
    redisPeakMiB: undefined,
    natsPeakMiB: undefined,
  };
  if (o.noBullmq) {
    results.bullmqSkipped = "--no-bullmq";
  } else if (redisBinary === undefined) {
    results.bullmqSkipped = "redis-server is not installed (Debian: apt-get install redis-server)";
    console.warn(`[bench] redis-server not found: the BullMQ rows are skipped. Install it with: apt-get install redis-server`);
  }
  if (o.noPgboss) results.pgbossSkipped = "--no-pgboss";
  else {
    results.pgbossVersion = pgBossVersion();
    results.pgbossPollingSeconds = PGBOSS_POLLING_SECONDS;
  }

  let postgres: PostgresServer | undefined;
  let nats: NatsServer | undefined;
  let redis: RedisServer | undefined;
  let dataDir: TempDir | undefined;
  let tstasks: Tstasks | undefined;
  let bull: BullBench | undefined;
  let pgboss: PgBossBench | undefined;
  try {
    [postgres, nats] = await Promise.all([startPostgres({ durable: o.pgDurable }), startNats()]);
    if (redisBinary !== undefined) redis = await startRedis(redisBinary);
    log(`private Postgres at ${postgres.url}, nats-server at ${nats.url}${redis ? `, redis-server at ${redis.url}` : ""}`);
    const deadlocksAtStart = await readDeadlocks(postgres.url);
    const pids: ServerPids = {
      postgres: serverPid("postgres", postgres.port),
      nats: serverPid("nats-server", nats.port),
      redis: redis?.pid,
    };

    dataDir = makeTempDir("tstasks-bench-data-");
    tstasks = await startTstasks({
      databaseUrl: postgres.url,
      natsUrl: nats.url,
      dataDir: dataDir.path,
      concurrency: CONCURRENCY,
      inFlight: IN_FLIGHT,
      verbose: o.verbose,
    });
    // The first worker registers bench.main.noop (the server validates
    // submits against it) and creates the queue's consumer; warm both up.
    {
      const worker = await tstasks.startWorker();
      results.tstasks.serverIdleMiB = memoryMiB(tstasks.server.pid, "VmRSS");
      results.tstasks.workerIdleMiB = worker.idleRssMiB;
      await tstasks.warmUp(WARMUP_TASKS);
      await tstasks.stopWorker(worker);
      log(`tstasks warmed up (${WARMUP_TASKS} tasks)`);
    }
    const results_bull = redis === undefined ? undefined : emptySystem(true);
    if (redis !== undefined && results_bull !== undefined) {
      bull = startBullBench(redis.url, { concurrency: CONCURRENCY, inFlight: IN_FLIGHT, verbose: o.verbose });
      const queue = await bull.queue("warmup");
      await bull.enqueueSingle(queue, WARMUP_TASKS);
      await bull.enqueueBulk(queue, WARMUP_TASKS, BULK_BATCH);
      const worker = await bull.startWorker(queue.name);
      await bull.drain(queue, worker, 2 * WARMUP_TASKS);
      await bull.stopWorker(worker);
      await queue.obliterate({ force: true });
      results.bullmq = results_bull;
      log(`BullMQ warmed up (${2 * WARMUP_TASKS} jobs)`);
    }
    if (!o.noPgboss) {
      // Its own database, so pg-boss's schema and tstasks' tables never mix.
      const pgbossUrl = await postgres.createDatabase("pgboss");
      pgboss = await startPgBossBench(pgbossUrl, { concurrency: CONCURRENCY, inFlight: IN_FLIGHT, verbose: o.verbose });
      const queue = await pgboss.queue("warmup");
      await pgboss.enqueueSingle(queue, WARMUP_TASKS);
      await pgboss.enqueueBulk(queue, WARMUP_TASKS, BULK_BATCH);
      const worker = await pgboss.startWorker(queue);
      await pgboss.drain(queue, worker, 2 * WARMUP_TASKS);
      await pgboss.stopWorker(worker);
      await pgboss.deleteQueue(queue);
      results.pgboss = emptySystem(true);
      log(`pg-boss warmed up (${2 * WARMUP_TASKS} jobs)`);
    }

    for (let rep = 1; rep <= o.reps; rep++) {
      results.deadlocks.perRep.push(await tstasksRepetition(tstasks, o, results.tstasks, rep, pids));
      if (bull !== undefined && results.bullmq !== undefined) await bullRepetition(bull, o, results.bullmq, rep, pids);
      if (pgboss !== undefined && results.pgboss !== undefined) await pgbossRepetition(pgboss, o, results.pgboss, rep, pids);

      const c = results.ceilings;
      c.jetstream.push(await jetstreamThroughput(nats.url, o.jetstreamCount));
      const js = await jetstreamLatency(nats.url, o.warmup, o.measured, o.perSecond);
      c.jetstreamStartP50.push(js.start.p50);
      c.jetstreamStartP99.push(js.start.p99);
      c.jetstreamSeenP50.push(js.seen.p50);
      c.jetstreamSeenP99.push(js.seen.p99);
      c.postgresInsert.push(await postgresInsertRate(postgres.url, o.postgresRows));
      c.httpEcho.push(await httpEchoRate(o.httpCount, IN_FLIGHT));
      c.connectEcho.push(await connectEchoRate("connect", o.httpCount, IN_FLIGHT));
      c.grpcEcho.push(await connectEchoRate("grpc", o.httpCount, IN_FLIGHT));
      log(
        `ceilings #${rep}: JetStream ${Math.round(c.jetstream.at(-1)!)}/s (p50 ${js.start.p50.toFixed(2)} / p99 ${js.start.p99.toFixed(2)} ms), ` +
          `Postgres insert ${Math.round(c.postgresInsert.at(-1)!)} rows/s, node:http echo ${Math.round(c.httpEcho.at(-1)!)}/s`,
      );
    }

    results.tstasks.serverPeakMiB = memoryMiB(tstasks.server.pid, "VmHWM");
    results.redisPeakMiB = redis === undefined ? undefined : memoryMiB(redis.pid, "VmHWM");
    results.natsPeakMiB = pids.nats === undefined ? undefined : memoryMiB(pids.nats, "VmHWM");
    results.deadlocks.logLines = tstasks.deadlockLines();
    // Stopping the server ends its sessions, which flushes their statistics.
    await tstasks.stop();
    tstasks = undefined;
    results.deadlocks.total = (await readDeadlocks(postgres.url)) - deadlocksAtStart;

    const table = resultTable(results);
    console.log(`\n${machineLines(machine, results)}\n\n${table}\n\nEvery repetition:\n\n${repetitionTable(results)}\n`);
    if (o.write) {
      const path = join(import.meta.dirname, "../docs/performance.md");
      await writeGeneratedSection(path, generatedSection(machine, results));
      log(`wrote ${path}`);
    } else {
      log("not written to docs/performance.md (quick mode; add --write to write it)");
    }
  } finally {
    await tstasks?.stop().catch((err: unknown) => console.error(err));
    await bull?.stop().catch((err: unknown) => console.error(err));
    await pgboss?.stop().catch((err: unknown) => console.error(err));
    await redis?.stop().catch((err: unknown) => console.error(err));
    await nats?.stop().catch((err: unknown) => console.error(err));
    await postgres?.stop().catch((err: unknown) => console.error(err));
    await dataDir?.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
