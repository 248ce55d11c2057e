/**
 * pg-boss's side of the benchmark, in its own process like a tstasks worker:
 * `concurrency` pg-boss workers (`work()` loops) on one queue, each fetching
 * one job at a time (batchSize 1) every `pollingIntervalSeconds`, doing what
 * `bench.main.noop` does (`{a, b}` → `{sum, startNs}`); pg-boss stores each
 * result as the job's output in Postgres.
 *
 *   node --import tsx bench/children/pgboss-worker.ts <postgres-url> <queue> [concurrency] [polling-seconds]
 *
 * Defaults: concurrency 50, polling every 0.5 s (pg-boss's minimum). Prints
 * `ready` once every loop is registered, and `first <ns>` with the hrtime of
 * the first handler start. SIGTERM or SIGINT stops pg-boss gracefully.
 */
import PgBoss from "pg-boss";
import { exitWithParent } from "../lib/exit-with-parent.js";
import { readyUntilSignal } from "../lib/peer-child.js";

interface NoopData {
  a: number;
  b: number;
}

async function main(): Promise<void> {
  exitWithParent();
  const [url, queue, concurrencyArg, pollingArg] = process.argv.slice(2);
  if (url === undefined || queue === undefined) {
    throw new Error("usage: pgboss-worker.ts <postgres-url> <queue> [concurrency] [polling-seconds]");
  }
  const concurrency = Number(concurrencyArg ?? 50);
  const pollingIntervalSeconds = Number(pollingArg ?? 0.5);
  // The options of bench/pgboss.ts's PgBoss, written out rather than imported so the worker
  // loads no more than pg-boss itself (its RSS is measured): the same schema, no cron.
  const boss = new PgBoss({ connectionString: url, schema: "pgboss", schedule: false });
  // Without a listener an "error" event would end the process.
  boss.on("error", (err) => console.error(`[pgboss-worker] ${err.message}`));
  await boss.start();
  let first = true;
  const handler = async ([job]: PgBoss.Job<NoopData>[]): Promise<{ sum: number; startNs: string }> => {
    const start = process.hrtime.bigint();
    if (first) {
      first = false;
      console.log(`first ${start}`);
    }
    return { sum: job!.data.a + job!.data.b, startNs: start.toString() };
  };
  // pg-boss 10 has no concurrency option: each work() call is one polling loop holding at
  // most batchSize jobs. Batch size 1 is what keeps the returned value as the job's output
  // (a batch handler's value is dropped), so concurrency 50 is 50 loops of one job each,
  // as a BullMQ Worker with concurrency 50 holds at most 50 jobs.
  for (let i = 0; i < concurrency; i++) {
    await boss.work<NoopData>(queue, { batchSize: 1, pollingIntervalSeconds }, handler);
  }
  readyUntilSignal(() => boss.stop({ graceful: true, timeout: 20_000 }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
