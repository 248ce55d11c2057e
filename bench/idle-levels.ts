/**
 * What a worker's idle pull loops cost: one loop per queue and priority
 * level (ten per queue, see core/queue/jetstream/jetstream-consumer.ts).
 * Starts a private nats-server with monitoring, opens a consumer on Q queues
 * (10·Q loops) that receives nothing, and measures over a window the
 * worker's CPU, the server's CPU and the server's message counts (/varz:
 * pull requests in, heartbeats out).
 *
 *     node --import tsx bench/idle-levels.ts [--queues 1,10] [--seconds 60]
 *
 * Prints one line per queue count. Not part of `npm run bench`: a one-off
 * check reported in docs/workflows.md (Priorities).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createJetStreamQueue } from "../core/queue/jetstream/jetstream-queue.js";
import { silentLogger } from "../core/log/default-logger.js";
import { freePort } from "../test/harness/free-port.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { treeCpuMs } from "./lib/procfs.js";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const queueCounts = flag("queues", "1,10").split(",").map(Number);
const seconds = Number(flag("seconds", "60"));

interface Varz {
  in_msgs: number;
  out_msgs: number;
}

async function main(): Promise<void> {
  const [port, monitor] = [await freePort(), await freePort()];
  const store = mkdtempSync(join(tmpdir(), "idle-levels-"));
  const server = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-m", String(monitor), "-sd", store], { stdio: "ignore" });
  const varz = async (): Promise<Varz> => (await (await fetch(`http://127.0.0.1:${monitor}/varz`)).json()) as Varz;
  try {
    await waitUntil(async () => varz().then(() => true, () => false), { timeoutMs: 20_000, label: "nats-server" });
    for (const queues of queueCounts) {
      const queue = await createJetStreamQueue({ url: `nats://127.0.0.1:${port}`, streamName: `IDLE${queues}`, subjectPrefix: `idle${queues}.tasks`, log: silentLogger() });
      const names = Array.from({ length: queues }, (_, i) => `q${i}`);
      const consumer = await queue.consume({ queues: names, concurrency: 32 }, async (d) => d.ack());
      await sleep(5000); // past the start-up requests
      const [cpu0, server0, varz0] = [process.cpuUsage(), treeCpuMs(server.pid!)!, await varz()];
      await sleep(seconds * 1000);
      const cpu = process.cpuUsage(cpu0);
      const [server1, varz1] = [treeCpuMs(server.pid!)!, await varz()];
      await consumer.stop();
      await queue.close();
      const perS = (n: number) => (n / seconds).toFixed(2);
      console.log(
        `${queues} queue(s), ${queues * 10} loops, ${seconds} s idle: worker CPU ${((cpu.user + cpu.system) / 1000 / seconds).toFixed(2)} ms/s, ` +
          `nats-server CPU ${((server1 - server0) / seconds).toFixed(2)} ms/s, messages in ${perS(varz1.in_msgs - varz0.in_msgs)}/s, ` +
          `out ${perS(varz1.out_msgs - varz0.out_msgs)}/s`,
      );
    }
  } finally {
    server.kill("SIGTERM");
    await sleep(500);
    rmSync(store, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
