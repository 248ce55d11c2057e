import { join } from "node:path";
import { startManagedProcess, type ManagedProcess } from "../harness/managed-process.js";

const REPO = join(import.meta.dirname, "../..");
/** The fixture pack: `fault.main.work` records every execution in the `executions` table. */
export const FAULT_PACKS = join(REPO, "test/fixtures/fault-packs");

/** Options of {@link startWorkerProcess}. */
export interface WorkerProcessOptions {
  databaseUrl: string;
  /** One NATS URL or a cluster's comma list. */
  natsUrl: string;
  name: string;
  /** `WORKER_CONCURRENCY`; default 16. */
  concurrency?: number;
  /** `ACK_WAIT_MS`; default 2000 (a killed worker's tasks come back quickly). */
  ackWaitMs?: number;
  /** `WORKER_HEARTBEAT_MS`; default unset (a third of the ack wait). */
  heartbeatMs?: number;
  /** `NATS_STREAM_REPLICAS`; default unset (1). */
  streamReplicas?: number;
}

/** A `worker/main.ts` child process running the fault pack. */
export interface WorkerProcess {
  readonly name: string;
  readonly proc: ManagedProcess;
  /** False once the process has exited, by itself or killed. */
  readonly alive: boolean;
  /** SIGKILL, as a crash would; resolves once it has exited. */
  kill(): Promise<void>;
  /** The tail of its output, for failure messages. */
  output(): string;
}

/**
 * Starts a worker process (as `npm run worker` runs it) on the fault pack
 * only, with `FAULT_DATABASE_URL` set so the pack can record executions.
 * The process is killed when the test process exits.
 */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const optional = (name: string, value: number | undefined) => (value === undefined ? {} : { [name]: String(value) });
  const proc = await startManagedProcess(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO, "worker/main.ts")], {
    label: `worker ${options.name}`,
    env: {
      PATH: process.env["PATH"],
      DATABASE_URL: options.databaseUrl,
      NATS_URL: options.natsUrl,
      FAULT_DATABASE_URL: options.databaseUrl,
      WORKER_NAME: options.name,
      WORKER_CONCURRENCY: String(options.concurrency ?? 16),
      TASKPACKS_DIR: FAULT_PACKS,
      ACK_WAIT_MS: String(options.ackWaitMs ?? 2000),
      ...optional("WORKER_HEARTBEAT_MS", options.heartbeatMs),
      ...optional("NATS_STREAM_REPLICAS", options.streamReplicas),
    },
  });
  return {
    name: options.name,
    proc,
    get alive() {
      return !proc.exited;
    },
    kill: () => proc.terminate("SIGKILL"),
    output: () => proc.output(),
  };
}
