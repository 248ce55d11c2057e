/**
 * BullMQ's side of the benchmark, in its own process like a tstasks worker:
 * a Worker on one queue doing what `bench.main.noop` does (`{a, b}` →
 * `{sum, startNs}`), results kept in Redis.
 *
 *   node --import tsx bench/children/bullmq-worker.ts <redis-url> <queue> <concurrency>
 *
 * Prints `ready` once the worker is connected, and `first <ns>` with the
 * hrtime of the first handler start.
 */
import { Worker } from "bullmq";
import type { Job } from "bullmq";
import { exitWithParent } from "../lib/exit-with-parent.js";
import { readyUntilSignal } from "../lib/peer-child.js";

interface NoopData {
  a: number;
  b: number;
}

async function main(): Promise<void> {
  exitWithParent();
  const [url, queue, concurrencyArg] = process.argv.slice(2);
  if (url === undefined || queue === undefined) throw new Error("usage: bullmq-worker.ts <redis-url> <queue> [concurrency]");
  const { hostname, port } = new URL(url);
  let first = true;
  const worker = new Worker(
    queue,
    async (job: Job<NoopData>) => {
      const start = process.hrtime.bigint();
      if (first) {
        first = false;
        console.log(`first ${start}`);
      }
      return { sum: job.data.a + job.data.b, startNs: start.toString() };
    },
    {
      connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
      concurrency: Number(concurrencyArg ?? 50),
      // Keep every result in Redis, as tstasks keeps every result in Postgres.
      removeOnComplete: { count: 10_000_000 },
      removeOnFail: { count: 10_000_000 },
    },
  );
  worker.on("error", (err) => console.error(`[bullmq-worker] ${err.message}`));
  await worker.waitUntilReady();
  readyUntilSignal(() => worker.close());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
