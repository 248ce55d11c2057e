import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { connect, createInbox, headers } from "@nats-io/transport-node";
import pg from "pg";
import { Pool } from "undici";
import { rpcSubmitRate, type RpcProtocol } from "./lib/connect-submit.js";
import { freePort } from "../test/harness/free-port.js";
import { startChild } from "./lib/child.js";
import { closedLoop, openLoop } from "./lib/load.js";
import { msBetween, quantile } from "./lib/stats.js";

const BENCH_DIR = import.meta.dirname;
const REPO_DIR = join(BENCH_DIR, "..");

/** p50 and p99 in milliseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
}

function percentiles(values: readonly number[]): Percentiles {
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99) };
}

/** Starts a `node --import tsx` child of the benchmark from the repository root. */
function startTsChild(label: string, script: string, args: string[]) {
  return startChild(process.execPath, ["--import", "tsx", join(BENCH_DIR, script), ...args], { label, cwd: REPO_DIR });
}

/**
 * A temporary work-queue stream with file storage (what tstasks uses) and one
 * durable explicit-ack consumer; `use` runs with their names, then the stream
 * is deleted.
 */
async function withTemporaryStream<T>(natsUrl: string, use: (stream: string, consumer: string, subject: string) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  const suffix = randomUUID().slice(0, 8);
  const stream = `BENCH_CEILING_${suffix}`;
  const subject = `bench-ceiling-${suffix}.work`;
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: stream,
      subjects: [subject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    try {
      await jsm.consumers.add(stream, { durable_name: "bench", ack_policy: AckPolicy.Explicit });
      return await use(stream, "bench", subject);
    } finally {
      await jsm.streams.delete(stream).catch(() => {});
    }
  } finally {
    await nc.close();
  }
}

/**
 * JetStream with nothing stored elsewhere: `count` small messages published
 * (at most 1,000 publishes awaiting their ack) while a consumer process pulls
 * (1,000 at a time) and acks each. Timed from the first publish to the
 * consumer's last ack.
 *
 * @returns messages per second.
 */
export async function jetstreamThroughput(natsUrl: string, count: number): Promise<number> {
  return withTemporaryStream(natsUrl, async (stream, consumer, subject) => {
    const child = await startTsChild("jetstream-consumer", "children/jetstream-consumer.ts", [
      natsUrl, stream, consumer, String(count), "1000",
    ]);
    try {
      await child.waitForLine((line) => line === "ready");
      const doneLine = child.waitForLine((line) => line.startsWith("done "), 300_000);
      const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
      try {
        const js = jetstream(nc);
        const start = process.hrtime.bigint();
        await closedLoop(count, 1000, async (i) => {
          await js.publish(subject, JSON.stringify({ id: randomUUID(), type: "bench.main.noop", args: { a: i, b: 1 } }));
        });
        const end = BigInt((await doneLine).slice("done ".length));
        return count / (msBetween(start, end) / 1000);
      } finally {
        await nc.close();
      }
    } finally {
      await child.stop();
    }
  });
}

/** Latency percentiles of an open-loop run, in milliseconds. */
export interface LatencyResult {
  /** submit → handler start (or, for bare JetStream, message received by the consumer). */
  start: Percentiles;
  /** submit → result seen by the submitter (bare JetStream: the consumer's core-NATS answer received). */
  seen: Percentiles;
}

/**
 * Bare JetStream latency: open loop at `perSecond`, each message published
 * with its hrtime; the consumer process answers on core NATS with its
 * receipt time. `warmup` messages are discarded, `measured` are kept.
 */
export async function jetstreamLatency(natsUrl: string, warmup: number, measured: number, perSecond: number): Promise<LatencyResult> {
  const total = warmup + measured;
  return withTemporaryStream(natsUrl, async (stream, consumer, subject) => {
    const child = await startTsChild("jetstream-consumer", "children/jetstream-consumer.ts", [
      natsUrl, stream, consumer, String(total), "50",
    ]);
    try {
      await child.waitForLine((line) => line === "ready");
      const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
      try {
        const js = jetstream(nc);
        const inbox = createInbox();
        const answers = new Map<number, (fields: { receivedNs: bigint; seenNs: bigint }) => void>();
        const sub = nc.subscribe(inbox, {
          callback: (_err, msg) => {
            const seenNs = process.hrtime.bigint();
            const [i, , receivedNs] = msg.string().split(" ");
            answers.get(Number(i))?.({ receivedNs: BigInt(receivedNs!), seenNs });
          },
        });
        await nc.flush();
        const start: number[] = [];
        const seen: number[] = [];
        await openLoop(total, perSecond, async (i) => {
          const answer = new Promise<{ receivedNs: bigint; seenNs: bigint }>((resolve) => answers.set(i, resolve));
          const h = headers();
          h.set("reply-to", inbox);
          const sentNs = process.hrtime.bigint();
          await js.publish(subject, `${i} ${sentNs}`, { headers: h });
          const { receivedNs, seenNs } = await withTimeout(answer, 10_000, `bare JetStream answer ${i}`);
          answers.delete(i);
          if (i < warmup) return;
          start.push(msBetween(sentNs, receivedNs));
          seen.push(msBetween(sentNs, seenNs));
        });
        sub.unsubscribe();
        return { start: percentiles(start), seen: percentiles(seen) };
      } finally {
        await nc.close();
      }
    } finally {
      await child.stop();
    }
  });
}

/**
 * Postgres batched insert: `rows` task-like rows (uuid, type, status, jsonb
 * args) into a temporary table with a uuid primary key, 1,000 per
 * `insert … select * from unnest(…)`, one after another on one connection.
 * A temporary table writes no WAL, so this is an upper bound.
 *
 * @returns rows per second.
 */
export async function postgresInsertRate(databaseUrl: string, rows: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(
      "create temporary table bench_insert (id uuid primary key, type text not null, status text not null, args jsonb not null, created_at timestamptz(3) not null default now())",
    );
    const batch = 1000;
    const start = process.hrtime.bigint();
    for (let done = 0; done < rows; done += batch) {
      const n = Math.min(batch, rows - done);
      const ids: string[] = [];
      const types: string[] = [];
      const statuses: string[] = [];
      const args: string[] = [];
      for (let i = 0; i < n; i++) {
        ids.push(randomUUID());
        types.push("bench.main.noop");
        statuses.push("PENDING");
        args.push(JSON.stringify({ a: done + i, b: 1 }));
      }
      await client.query(
        "insert into bench_insert (id, type, status, args) select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])",
        [ids, types, statuses, args],
      );
    }
    const rate = rows / (msBetween(start, process.hrtime.bigint()) / 1000);
    await client.query("drop table bench_insert");
    return rate;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * node:http answering a small JSON body, driven by the same client as the
 * tstasks submits (undici, keep-alive, `inFlight` requests outstanding).
 *
 * @returns requests per second.
 */
export async function httpEchoRate(count: number, inFlight: number): Promise<number> {
  const port = await freePort();
  const child = await startTsChild("http-echo", "children/http-echo-server.ts", [String(port)]);
  try {
    await child.waitForLine((line) => line === "listening");
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: inFlight });
    try {
      const post = async (i: number): Promise<void> => {
        const res = await pool.request({
          path: "/task",
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ type: "bench.main.noop", args: { a: i, b: 1 } }),
        });
        await res.body.json();
      };
      await closedLoop(Math.min(count, 2000), inFlight, post); // warm-up
      return await closedLoop(count, inFlight, post);
    } finally {
      await pool.close();
    }
  } finally {
    await child.stop();
  }
}

/**
 * connect-node answering SubmitTask of tstasks' contract at once
 * (children/connect-echo-server.ts), over `protocol`, driven as the tstasks
 * RPC submits are (one HTTP/2 connection, `inFlight` calls outstanding).
 *
 * @returns calls per second.
 */
export async function connectEchoRate(protocol: RpcProtocol, count: number, inFlight: number): Promise<number> {
  const port = await freePort();
  const child = await startTsChild("connect-echo", "children/connect-echo-server.ts", [String(port)]);
  try {
    await child.waitForLine((line) => line === "listening");
    return await rpcSubmitRate(`http://127.0.0.1:${port}`, protocol, count, inFlight, Math.min(count, 2000));
  } finally {
    await child.stop();
  }
}

/** Resolves like `promise`, or rejects after `ms` naming `what`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
