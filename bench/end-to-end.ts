/**
 * Quick end-to-end figures on this machine: a private Postgres and nats-server
 * (test harness), the real server and one in-process worker, then
 * - throughput: N tasks submitted over REST with C concurrent clients, until
 *   every result is durable in Postgres (SUCCESS read back);
 * - latency: sequential submit → result round trips (polling GET every 1 ms).
 * Prints the figures and appends them to docs/benchmarks.md.
 *
 *   npx tsx bench/end-to-end.ts [tasks=5000] [concurrency=64]
 */
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { startStack } from "../test/support/stack.js";

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 64);

async function post(url: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string };
}

async function main(): Promise<void> {
  const stack = await startStack({ workers: 1 });
  try {
    const url = stack.baseUrl;
    // Warm up (JIT, pools, consumer).
    for (let i = 0; i < 200; i++) await post(`${url}/task`, { type: "test.main.add", args: { x: i, y: 1 } });

    const ids: string[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next++;
          ids.push((await post(`${url}/task`, { type: "test.main.add", args: { x: next, y: 1 } })).id);
        }
      }),
    );
    const submitted = performance.now();
    // Wait until every result is in Postgres.
    for (;;) {
      const page = await stack.store.listTasks({ limit: 1, status: "PENDING" });
      const started = await stack.store.listTasks({ limit: 1, status: "STARTED" });
      if (page.tasks.length === 0 && started.tasks.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = performance.now();

    const latencies: number[] = [];
    for (let i = 0; i < 300; i++) {
      const s = performance.now();
      const { id } = await post(`${url}/task`, { type: "test.main.add", args: { x: i, y: 2 } });
      for (;;) {
        const t = (await (await fetch(`${url}/task/${id}`)).json()) as { status: string };
        if (t.status === "SUCCESS") break;
        await new Promise((r) => setTimeout(r, 1));
      }
      latencies.push(performance.now() - s);
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.floor(p * (latencies.length - 1))]!.toFixed(2);

    const lines = [
      `### ${new Date().toISOString()} — end to end, one process server + 1 worker, REST, ${total} tasks, ${concurrency} clients`,
      `- submit rate: ${(total / ((submitted - t0) / 1000)).toFixed(0)} tasks/s`,
      `- end to end (every result durable in Postgres): ${(total / ((done - t0) / 1000)).toFixed(0)} tasks/s`,
      `- submit → result latency (sequential, polling): p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms`,
      "",
    ];
    console.log(lines.join("\n"));
    const docs = join(import.meta.dirname, "../docs");
    await mkdir(docs, { recursive: true });
    await appendFile(join(docs, "benchmarks.md"), lines.join("\n") + "\n");
  } finally {
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
