import { startNatsCluster, type NatsCluster } from "../harness/nats-cluster.js";
import { startNats, type NatsServer } from "../harness/nats-server.js";
import { startPostgres, type PostgresServer } from "../harness/postgres-server.js";
import { startStack } from "../support/stack.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

/** Options of {@link startFaultEnv}. */
export interface FaultEnvOptions {
  /**
   * "in-process" (default): the test's own server ({@link startStack});
   * "process": `server/main.ts` as a child process, which a scenario may kill.
   */
  server?: "in-process" | "process";
  /** "single" (default): one nats-server; "cluster": three, with the stream replicated R3 (needs a server process). */
  nats?: "single" | "cluster";
}

/** Durable Postgres, NATS and an API server for one fault scenario. */
export interface FaultEnv {
  postgres: PostgresServer;
  /** The single nats-server (nats "single"). */
  nats?: NatsServer;
  /** The cluster (nats "cluster"). */
  cluster?: NatsCluster;
  /** What workers get as NATS_URL: one URL or the cluster's comma list. */
  natsUrl: string;
  /** NATS_STREAM_REPLICAS for every process: 3 on the cluster, else 1. */
  streamReplicas: number;
  /** The server process (server "process"). */
  server?: ServerProcess;
  /** The API server's `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** Stops the server and the private Postgres and NATS. */
  stop(): Promise<void>;
}

/**
 * Starts the infrastructure of a fault scenario: a durable private Postgres
 * (as in production: a SIGKILL must not take back what was committed), a
 * nats-server or a 3-node cluster, and an API server; no workers.
 */
export async function startFaultEnv(options: FaultEnvOptions = {}): Promise<FaultEnv> {
  const serverKind = options.server ?? "in-process";
  const natsKind = options.nats ?? "single";
  if (serverKind === "in-process") {
    if (natsKind !== "single") throw new Error("startFaultEnv: a NATS cluster needs the server as a process");
    const stack = await startStack({ backend: "real", workers: 0, durablePostgres: true });
    return {
      postgres: stack.postgres!,
      nats: stack.nats!,
      natsUrl: stack.nats!.url,
      streamReplicas: 1,
      baseUrl: stack.baseUrl,
      stop: () => stack.stop(),
    };
  }
  const [postgres, queue] = await Promise.all([
    startPostgres({ durable: true }),
    natsKind === "cluster" ? startNatsCluster({ size: 3 }).then((cluster) => ({ cluster })) : startNats().then((nats) => ({ nats })),
  ]);
  const natsUrl = "cluster" in queue ? queue.cluster.url : queue.nats.url;
  const streamReplicas = "cluster" in queue ? 3 : 1;
  const stopInfra = async () => {
    await Promise.allSettled([postgres.stop(), "cluster" in queue ? queue.cluster.stop() : queue.nats.stop()]);
  };
  let server: ServerProcess;
  try {
    server = await startServerProcess({ databaseUrl: postgres.url, natsUrl, streamReplicas });
  } catch (err) {
    await stopInfra();
    throw err;
  }
  return {
    postgres,
    ...queue,
    natsUrl,
    streamReplicas,
    server,
    baseUrl: server.baseUrl,
    async stop() {
      await server.stop();
      await stopInfra();
    },
  };
}
