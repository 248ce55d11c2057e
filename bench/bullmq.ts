import { Queue, QueueEvents } from "bullmq";
import { waitUntil } from "../test/harness/wait-until.js";
import type { LatencyResult } from "./ceilings.js";
import type { DrainResult } from "./tstasks.js";
import { startPeerWorker, type PeerWorker } from "./lib/peer-worker.js";
import { closedLoop, openLoop } from "./lib/load.js";
import { memoryMiB } from "./lib/procfs.js";
import { msBetween, quantile } from "./lib/stats.js";

interface NoopData {
  a: number;
  b: number;
}
interface NoopResult {
  sum: number;
  startNs: string;
}

/** BullMQ on the private Redis, driven from the benchmark process; workers run in their own process. */
export interface BullBench {
  /** A fresh queue named `name` (results kept: removeOnComplete false). */
  queue(name: string): Promise<Queue<NoopData, NoopResult>>;
  /** `count` × `queue.add` with `inFlight` outstanding; returns jobs/s. */
  enqueueSingle(queue: Queue<NoopData, NoopResult>, count: number): Promise<number>;
  /** `count` jobs as `addBulk` calls of `batch`, one call at a time; returns jobs/s. */
  enqueueBulk(queue: Queue<NoopData, NoopResult>, count: number, batch: number): Promise<number>;
  /** Starts bench/children/bullmq-worker.ts on `queue` and waits for its `ready`. */
  startWorker(queue: string): Promise<PeerWorker>;
  stopWorker(worker: PeerWorker): Promise<void>;
  /** Waits until `expected` jobs of `queue` are completed; first handler start → last completion seen. */
  drain(queue: Queue<NoopData, NoopResult>, worker: PeerWorker, expected: number): Promise<DrainResult>;
  /** Jobs of `queue` completed so far. */
  completed(queue: Queue<NoopData, NoopResult>): Promise<number>;
  /** Open loop: add, then `job.waitUntilFinished(queueEvents)`. */
  latency(queue: Queue<NoopData, NoopResult>, warmup: number, measured: number, perSecond: number): Promise<LatencyResult>;
  stop(): Promise<void>;
}

/** Connects to the private Redis at `url`. */
export function startBullBench(url: string, settings: { concurrency: number; inFlight: number; verbose: boolean }): BullBench {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const queues = new Set<Queue<NoopData, NoopResult>>();
  const workers = new Set<PeerWorker>();

  return {
    async queue(name) {
      const queue = new Queue<NoopData, NoopResult>(name, {
        connection,
        defaultJobOptions: { removeOnComplete: false, removeOnFail: false },
      });
      queue.on("error", (err) => console.error(`[bullmq] ${err.message}`));
      await queue.waitUntilReady();
      queues.add(queue);
      return queue;
    },
    enqueueSingle: (queue, count) =>
      closedLoop(count, settings.inFlight, async (i) => void (await queue.add("noop", { a: i, b: 1 }))),
    async enqueueBulk(queue, count, batch) {
      const start = process.hrtime.bigint();
      for (let done = 0; done < count; done += batch) {
        const n = Math.min(batch, count - done);
        await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: "noop", data: { a: done + i, b: 1 } })));
      }
      return count / (msBetween(start, process.hrtime.bigint()) / 1000);
    },
    async startWorker(queue) {
      const worker = await startPeerWorker("bullmq-worker.ts", [url, queue, String(settings.concurrency)], "bullmq-worker", settings.verbose);
      workers.add(worker);
      return worker;
    },
    async stopWorker(worker) {
      await worker.child.stop("SIGTERM", 30_000);
      workers.delete(worker);
    },
    async drain(queue, worker, expected) {
      let end: bigint | undefined;
      await waitUntil(
        async () => {
          const counts = await queue.getJobCounts("completed", "failed");
          if ((counts.failed ?? 0) > 0) throw new Error(`${counts.failed} BullMQ jobs failed`);
          if ((counts.completed ?? 0) < expected) return false;
          end = process.hrtime.bigint();
          return true;
        },
        {
          timeoutMs: 30 * 60_000,
          intervalMs: 50,
          label: "the BullMQ drain",
          abortReason: () => (worker.child.exited ? new Error(`bullmq worker exited:\n${worker.child.output()}`) : undefined),
        },
      );
      const first = await worker.firstStart;
      return {
        rate: expected / (msBetween(first, end!) / 1000),
        startupMs: msBetween(worker.spawnedNs, first),
        workerPeakMiB: memoryMiB(worker.child.pid, "VmHWM"),
      };
    },
    async completed(queue) {
      return (await queue.getJobCounts("completed")).completed ?? 0;
    },
    async latency(queue, warmup, measured, perSecond) {
      const events = new QueueEvents(queue.name, { connection });
      events.on("error", (err) => console.error(`[bullmq events] ${err.message}`));
      try {
        await events.waitUntilReady();
        const start: number[] = [];
        const seen: number[] = [];
        await openLoop(warmup + measured, perSecond, async (i) => {
          const submitNs = process.hrtime.bigint();
          const job = await queue.add("noop", { a: i, b: 1 });
          const result = await job.waitUntilFinished(events, 30_000);
          const seenNs = process.hrtime.bigint();
          if (i < warmup) return;
          start.push(msBetween(submitNs, BigInt(result.startNs)));
          seen.push(msBetween(submitNs, seenNs));
        });
        return {
          start: { p50: quantile(start, 0.5), p99: quantile(start, 0.99) },
          seen: { p50: quantile(seen, 0.5), p99: quantile(seen, 0.99) },
        };
      } finally {
        await events.close();
      }
    },
    async stop() {
      for (const worker of workers) await worker.child.stop("SIGTERM", 10_000);
      for (const queue of queues) await queue.close().catch(() => {});
    },
  };
}
