import { createRequire } from "node:module";
import PgBoss from "pg-boss";
import { waitUntil } from "../test/harness/wait-until.js";
import type { LatencyResult } from "./ceilings.js";
import type { DrainResult } from "./tstasks.js";
import { startPeerWorker, type PeerWorker } from "./lib/peer-worker.js";
import { closedLoop, openLoop } from "./lib/load.js";
import { memoryMiB } from "./lib/procfs.js";
import { msBetween, quantile, sleep } from "./lib/stats.js";

/**
 * The Postgres schema pg-boss keeps its tables in (its default). Named here
 * because the drain and latency polls read its job table directly.
 */
export const PGBOSS_SCHEMA = "pgboss";

/**
 * The worker's polling interval: 0.5 s, the least pg-boss 10 accepts
 * (`pollingIntervalSeconds` below it is rejected; its default is 2 s). A
 * pg-boss worker fetches, runs what it fetched, then sleeps out the rest of
 * the interval even when more jobs wait, so this bounds both its latency
 * (a job waits up to one interval for the next fetch) and its drain rate
 * (at most `concurrency` jobs per interval).
 */
export const PGBOSS_POLLING_SECONDS = 0.5;

/**
 * The most jobs pg-boss drains in a repetition: 3,000. Its drain is bound by
 * its polling (above), and slows as its backlog grows (each fetch sorts the
 * queued jobs), so N = 20,000 took it several minutes per repetition; its
 * rate over 3,000 says the same in under a minute.
 */
export const PGBOSS_DRAIN_MAX = 3000;

/** How often {@link PgBossBench.latency} looks for finished jobs: pg-boss has no completion event to wait on. */
const RESULT_POLL_MS = 10;

interface NoopData {
  a: number;
  b: number;
}
interface NoopResult {
  sum: number;
  startNs: string;
}

/**
 * pg-boss on its own database of the private Postgres, driven from the
 * benchmark process through one PgBoss instance (pg's default pool of 10
 * connections); workers run in their own process. A queue is named by a
 * string, as pg-boss names them.
 */
export interface PgBossBench {
  /** Creates queue `name` afresh (a previous one of that name is deleted first, jobs and all). Results are kept: pg-boss stores each job's output in its row. */
  queue(name: string): Promise<string>;
  /** Deletes `queue` and its jobs (pg-boss drops the queue's partition of the job table). */
  deleteQueue(queue: string): Promise<void>;
  /** `count` × `send` with `inFlight` outstanding; returns jobs/s. */
  enqueueSingle(queue: string, count: number): Promise<number>;
  /** `count` jobs as `insert` calls of `batch`, one call at a time; returns jobs/s. */
  enqueueBulk(queue: string, count: number, batch: number): Promise<number>;
  /** Starts bench/children/pgboss-worker.ts on `queue` and waits for its `ready`. */
  startWorker(queue: string): Promise<PeerWorker>;
  /** SIGTERM (pg-boss's graceful stop), SIGKILL after 30 s. */
  stopWorker(worker: PeerWorker): Promise<void>;
  /**
   * Waits until `expected` jobs of `queue` are completed (polled every 50 ms);
   * first handler start → all seen completed. Rejects when a job failed or
   * was cancelled, or the worker exited.
   */
  drain(queue: string, worker: PeerWorker, expected: number): Promise<DrainResult>;
  /** Jobs of `queue` completed so far. */
  completed(queue: string): Promise<number>;
  /**
   * Open loop: `send`, then wait until the job's row says completed, read by
   * one poll every {@link RESULT_POLL_MS} ms for every job awaited (±10 ms).
   */
  latency(queue: string, warmup: number, measured: number, perSecond: number): Promise<LatencyResult>;
  /** Stops every worker still running, then pg-boss (its pool closed). */
  stop(): Promise<void>;
}

/** Settings of {@link startPgBossBench}. */
export interface PgBossBenchSettings {
  /** Jobs a worker process holds at once: that many `work()` loops of one job each. */
  concurrency: number;
  /** Sends outstanding at once in {@link PgBossBench.enqueueSingle}. */
  inFlight: number;
  /** Print the worker's output. */
  verbose: boolean;
}

/** pg-boss's installed version, for the report. */
export function pgBossVersion(): string {
  const manifest = createRequire(import.meta.url)("pg-boss/package.json") as { version: string };
  return manifest.version;
}

/** Starts pg-boss on the empty database at `url` (creating its schema) and returns the benchmark's handle. */
export async function startPgBossBench(url: string, settings: PgBossBenchSettings): Promise<PgBossBench> {
  // schedule: false: no cron jobs here, so no clock checks or cron queue polling either.
  // Maintenance (supervise, every 2 min by default) stays on, as in production.
  // bench/children/pgboss-worker.ts uses the same options.
  const boss = new PgBoss({ connectionString: url, schema: PGBOSS_SCHEMA, schedule: false });
  // Without a listener an "error" event would end the process.
  boss.on("error", (err) => console.error(`[pg-boss] ${err.message}`));
  await boss.start();
  const db = boss.getDb();
  const workers = new Set<PeerWorker>();

  const rows = async <T>(sql: string, values: unknown[]): Promise<T[]> => (await db.executeSql(sql, values)).rows as T[];
  const completedCount = async (queue: string): Promise<number> =>
    (await rows<{ n: number }>(`select count(*)::int as n from ${PGBOSS_SCHEMA}.job where name = $1 and state = 'completed'`, [queue]))[0]!.n;

  const deleteQueue = async (queue: string): Promise<void> => {
    // pg-boss 10's delete_queue deletes the queue's row before dropping its partition, and the
    // partition's foreign key (ON DELETE RESTRICT, checked at once though declared deferrable)
    // refuses while the queue holds jobs; so the jobs go first.
    await db.executeSql(`delete from ${PGBOSS_SCHEMA}.job where name = $1`, [queue]);
    await boss.deleteQueue(queue);
  };

  return {
    async queue(name) {
      await deleteQueue(name);
      await boss.createQueue(name);
      return name;
    },
    deleteQueue,
    enqueueSingle: (queue, count) =>
      closedLoop(count, settings.inFlight, async (i) => {
        const id = await boss.send(queue, { a: i, b: 1 } satisfies NoopData);
        if (id === null) throw new Error(`pg-boss did not create job ${i}`);
      }),
    async enqueueBulk(queue, count, batch) {
      const start = process.hrtime.bigint();
      for (let done = 0; done < count; done += batch) {
        const n = Math.min(batch, count - done);
        await boss.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { a: done + i, b: 1 } satisfies NoopData })));
      }
      return count / (msBetween(start, process.hrtime.bigint()) / 1000);
    },
    async startWorker(queue) {
      const worker = await startPeerWorker("pgboss-worker.ts", [url, queue, String(settings.concurrency), String(PGBOSS_POLLING_SECONDS)], "pgboss-worker", settings.verbose);
      workers.add(worker);
      return worker;
    },
    async stopWorker(worker) {
      await worker.child.stop("SIGTERM", 30_000);
      workers.delete(worker);
    },
    async drain(queue, worker, expected) {
      let end: bigint | undefined;
      let failure: Error | undefined;
      await waitUntil(
        async () => {
          // Cheap while jobs wait: the first queued row in the order of pg-boss's fetch index
          // ((name, start_after) over exactly the queued rows), so the scan stops at once; a count
          // of a 20,000-job queue every 50 ms would cost Postgres about as much as the jobs.
          const queued = await rows<{ id: string }>(
            `select id from ${PGBOSS_SCHEMA}.job where name = $1 and state < 'active' order by start_after limit 1`,
            [queue],
          );
          if (queued.length > 0) return false;
          // Nothing queued: only the last fetched jobs can still be running; count the states.
          const counts = (await rows<{ unfinished: number; completed: number; failed: number }>(
            `select count(*) filter (where state < 'completed')::int as unfinished,
                    count(*) filter (where state = 'completed')::int as completed,
                    count(*) filter (where state > 'completed')::int as failed
               from ${PGBOSS_SCHEMA}.job where name = $1`,
            [queue],
          ))[0]!;
          if (counts.failed > 0) failure = new Error(`${counts.failed} pg-boss jobs failed or were cancelled`);
          if (counts.unfinished > 0) return false;
          if (counts.completed < expected) failure ??= new Error(`only ${counts.completed} of ${expected} pg-boss jobs completed`);
          end = process.hrtime.bigint();
          return true;
        },
        {
          timeoutMs: 30 * 60_000,
          intervalMs: 50,
          label: "the pg-boss drain",
          abortReason: () =>
            failure ?? (worker.child.exited ? new Error(`pgboss worker exited:\n${worker.child.output()}`) : undefined),
        },
      );
      if (failure !== undefined) throw failure;
      const first = await worker.firstStart;
      return {
        rate: expected / (msBetween(first, end!) / 1000),
        startupMs: msBetween(worker.spawnedNs, first),
        workerPeakMiB: memoryMiB(worker.child.pid, "VmHWM"),
      };
    },
    completed: completedCount,
    async latency(queue, warmup, measured, perSecond) {
      interface Waiter {
        resolve: (output: NoopResult, seenNs: bigint) => void;
        reject: (err: Error) => void;
        deadline: number;
      }
      const waiting = new Map<string, Waiter>();
      let polling = true;
      // One query per tick for every job awaited, not a getJobById per job: with ~25 jobs in
      // flight, per-job polls would load Postgres with thousands of queries a second.
      const poller = (async () => {
        while (polling) {
          if (waiting.size > 0) {
            try {
              const done = await rows<{ id: string; state: string; output: NoopResult | null }>(
                `select id, state, output from ${PGBOSS_SCHEMA}.job where name = $1 and id = any($2::uuid[]) and state >= 'completed'`,
                [queue, [...waiting.keys()]],
              );
              const seenNs = process.hrtime.bigint();
              for (const row of done) {
                const waiter = waiting.get(row.id);
                waiting.delete(row.id);
                if (row.state === "completed" && row.output !== null) waiter?.resolve(row.output, seenNs);
                else waiter?.reject(new Error(`pg-boss job ${row.id} ended ${row.state}: ${JSON.stringify(row.output)}`));
              }
            } catch (err) {
              // A failed poll fails the jobs awaited, so the open loop ends instead of hanging.
              for (const waiter of waiting.values()) waiter.reject(err instanceof Error ? err : new Error(String(err)));
              waiting.clear();
            }
            const now = Date.now();
            for (const [id, waiter] of waiting) {
              if (now < waiter.deadline) continue;
              waiting.delete(id);
              waiter.reject(new Error(`pg-boss job ${id} not completed within 30 s`));
            }
          }
          await sleep(RESULT_POLL_MS);
        }
      })();
      const finished = (id: string): Promise<{ output: NoopResult; seenNs: bigint }> =>
        new Promise((resolve, reject) =>
          waiting.set(id, { resolve: (output, seenNs) => resolve({ output, seenNs }), reject, deadline: Date.now() + 30_000 }),
        );
      const start: number[] = [];
      const seen: number[] = [];
      try {
        await openLoop(warmup + measured, perSecond, async (i) => {
          const submitNs = process.hrtime.bigint();
          const id = await boss.send(queue, { a: i, b: 1 } satisfies NoopData);
          if (id === null) throw new Error(`pg-boss did not create job ${i}`);
          const { output, seenNs } = await finished(id);
          if (i < warmup) return;
          start.push(msBetween(submitNs, BigInt(output.startNs)));
          seen.push(msBetween(submitNs, seenNs));
        });
      } finally {
        polling = false;
        await poller;
      }
      return {
        start: { p50: quantile(start, 0.5), p99: quantile(start, 0.99) },
        seen: { p50: quantile(seen, 0.5), p99: quantile(seen, 0.99) },
      };
    },
    async stop() {
      for (const worker of workers) await worker.child.stop("SIGTERM", 10_000);
      workers.clear();
      await boss.stop({ graceful: false });
    },
  };
}
