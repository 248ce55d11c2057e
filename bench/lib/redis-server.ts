import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { findBinary } from "../../test/harness/find-binary.js";
import { freePort } from "../../test/harness/free-port.js";
import { makeTempDir } from "../../test/harness/temp-dir.js";
import { waitUntil } from "../../test/harness/wait-until.js";
import { startChild } from "./child.js";
import type { Child } from "./child.js";

/** A private redis-server for one benchmark run. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** `redis-server --version`, e.g. "Redis server v=7.0.15 …". */
  readonly version: string;
  /** Stops the server and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** Where redis-server is, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  return findBinary("redis-server", ["/usr/bin", "/usr/sbin", "/usr/local/bin"]);
}

/**
 * Starts `redis-server` on a free 127.0.0.1 port in a fresh temp folder,
 * without persistence (`--save "" --appendonly no`), and waits until it
 * answers PING.
 */
export async function startRedis(binary: string): Promise<RedisServer> {
  const dir = makeTempDir("tstasks-bench-redis-");
  const port = await freePort();
  let child: Child | undefined;
  try {
    const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
    child = await startChild(
      binary,
      ["--save", "", "--appendonly", "no", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir.path],
      { label: "redis-server", cwd: dir.path },
    );
    const started = child;
    await waitUntil(
      async () => {
        const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on("error", () => {});
        try {
          await client.connect();
          return (await client.ping()) === "PONG";
        } finally {
          client.disconnect();
        }
      },
      {
        timeoutMs: 20_000,
        label: `redis-server on port ${port}`,
        abortReason: () => (started.exited ? new Error(`redis-server exited:\n${started.output()}`) : undefined),
      },
    );
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: started.pid,
      version,
      async stop() {
        await started.stop("SIGTERM", 5_000);
        await dir.remove();
      },
    };
  } catch (err) {
    await child?.stop("SIGKILL");
    await dir.remove();
    throw err;
  }
}
