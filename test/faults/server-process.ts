import { join } from "node:path";
import { freePort } from "../harness/free-port.js";
import { startManagedProcess, type ManagedProcess } from "../harness/managed-process.js";
import { makeTempDir } from "../harness/temp-dir.js";
import { waitUntil } from "../harness/wait-until.js";

const REPO = join(import.meta.dirname, "../..");

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  databaseUrl: string;
  /** One NATS URL or a cluster's comma list. */
  natsUrl: string;
  /** `NATS_STREAM_REPLICAS`; default unset (1). */
  streamReplicas?: number;
}

/** `npm run server` as a child process, on a fixed port across restarts. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly port: number;
  /** SIGKILLs it (nothing runs after: no drain, no publish). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder (its dev signing key) and waits until `/ping` answers. */
  restart(): Promise<void>;
  /** SIGTERM, then removes its data folder. Idempotent. */
  stop(): Promise<void>;
  /** The tail of its output, for failure messages. */
  output(): string;
}

/**
 * Starts `server/main.ts` (the API server alone, as `npm run server` runs
 * it) against the given Postgres and NATS on a free 127.0.0.1 port, with
 * its development signing key in a temporary data folder and no submit
 * rate limit, and waits until `GET /ping` answers. The process is killed
 * when the test process exits.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const data = makeTempDir("tstasks-server-");
  const baseUrl = `http://127.0.0.1:${port}`;
  let current: ManagedProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const proc = await startManagedProcess(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO, "server/main.ts")], {
      label: "tstasks server",
      env: {
        PATH: process.env["PATH"],
        DATABASE_URL: options.databaseUrl,
        NATS_URL: options.natsUrl,
        PORT: String(port),
        HOST: "127.0.0.1",
        TSTASKS_DATA_DIR: data.path,
        SUBMIT_RATE_LIMIT: "0",
        ...(options.streamReplicas === undefined ? {} : { NATS_STREAM_REPLICAS: String(options.streamReplicas) }),
      },
    });
    current = proc;
    await waitUntil(async () => (await fetch(`${baseUrl}/ping`, { signal: AbortSignal.timeout(2_000) })).ok, {
      timeoutMs: 60_000,
      intervalMs: 100,
      label: `the server on port ${port}`,
      abortReason: () => proc.exitError(),
    });
  };

  try {
    await launch();
  } catch (err) {
    await current?.terminate("SIGKILL");
    await data.remove();
    throw err;
  }

  return {
    baseUrl,
    port,
    async kill() {
      await current?.terminate("SIGKILL");
    },
    async restart() {
      if (stopped) throw new Error("server: cannot restart after stop()");
      await current?.terminate("SIGTERM");
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await current?.terminate("SIGTERM", 5_000);
      await data.remove();
    },
    output: () => current?.output() ?? "",
  };
}
