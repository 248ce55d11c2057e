import { requireNatsServer } from "./find-binary.js";
import { freePort } from "./free-port.js";
import { startManagedProcess } from "./managed-process.js";
import type { ManagedProcess } from "./managed-process.js";
import { makeTempDir } from "./temp-dir.js";
import type { TempDir } from "./temp-dir.js";
import { waitUntil } from "./wait-until.js";
import { jetStreamAnswers, withJetStreamManager } from "./with-jetstream-manager.js";

/** Options for {@link startNatsCluster}. */
export interface NatsClusterOptions {
  /** Number of servers. Default 3 (the smallest cluster that survives losing one). */
  size?: number;
  /** How long a start or a node's restart may take, in milliseconds. Default 30 000. */
  startTimeoutMs?: number;
}

/** One server of a {@link NatsCluster}. */
export interface NatsClusterNode {
  /** Server name (`n1`, `n2`, …): what JetStream reports as a leader. */
  readonly name: string;
  /** Client port on 127.0.0.1; stays the same across restarts. */
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** False between {@link NatsCluster.kill} and {@link NatsCluster.restart}. */
  readonly running: boolean;
}

/** A private NATS cluster with JetStream on loopback for one test process. */
export interface NatsCluster {
  /** Every node's client URL as a comma list, as `NATS_URL` takes it. */
  readonly url: string;
  readonly nodes: readonly NatsClusterNode[];
  /**
   * Name of the server leading `stream` right now; undefined while none
   * does. Asks again while the cluster does not answer (up to the start
   * timeout).
   */
  streamLeader(stream: string): Promise<string | undefined>;
  /** Replica count of `stream` as the cluster reports it (asking again like {@link streamLeader}). */
  streamReplicas(stream: string): Promise<number>;
  /** SIGKILLs one node, as a crash would; its store is kept for {@link restart}. */
  kill(name: string): Promise<void>;
  /**
   * Starts a killed node again on the same ports and store, and waits until
   * it has its routes back and JetStream answers through it.
   */
  restart(name: string): Promise<void>;
  /** Stops every node (SIGTERM) and removes their stores. Idempotent. */
  stop(): Promise<void>;
}

interface NodeState {
  name: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  store: TempDir;
  proc: ManagedProcess | undefined;
}

/** GET a monitoring endpoint of a node; undefined when it does not answer. */
async function monitor(node: NodeState, path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${node.monitorPort}${path}`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the node has a route to every other running node, knows the
 * JetStream meta leader, and JetStream answers a client connected to it.
 */
async function nodeReady(node: NodeState, running: number): Promise<boolean> {
  const routez = await monitor(node, "/routez");
  if (!routez || (routez["num_routes"] as number) < running - 1) return false;
  const jsz = await monitor(node, "/jsz");
  const meta = jsz?.["meta_cluster"] as { leader?: string } | undefined;
  if (!meta?.leader) return false;
  return jetStreamAnswers(`nats://127.0.0.1:${node.port}`);
}

/**
 * Starts `size` `nats-server -js` processes on loopback, each with its own
 * store under `os.tmpdir()`, free client, cluster and monitoring ports, and
 * routes to all the others (one cluster, `tstasks-test`), and waits until
 * every node is routed to the others, a JetStream meta leader is elected,
 * and JetStream answers through every node. Needs nats-server 2.9 or newer
 * (from PATH or the sbin folders).
 *
 * Every node is SIGKILLed and its store removed when the test process exits,
 * if the test has not stopped the cluster before.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cluster size must be at least 1, got ${size}`);
  const binary = requireNatsServer();
  const nodes: NodeState[] = [];
  for (let i = 1; i <= size; i++) {
    // Distinct ports: freePort releases each at once, so ask for all of them before any is bound.
    const [port, clusterPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
    nodes.push({ name: `n${i}`, port, clusterPort, monitorPort, store: makeTempDir(`tstasks-nats-${i}-`), proc: undefined });
  }
  const ports = nodes.flatMap((n) => [n.port, n.clusterPort, n.monitorPort]);
  if (new Set(ports).size !== ports.length) {
    for (const n of nodes) await n.store.remove();
    throw new Error("startNatsCluster: the kernel handed out the same free port twice; try again");
  }
  // Every node lists every route, itself included (the server skips its own).
  const routes = nodes.map((n) => `nats://127.0.0.1:${n.clusterPort}`).join(",");
  let stopped = false;

  const launch = async (node: NodeState): Promise<void> => {
    node.proc = await startManagedProcess(
      binary,
      [
        "-js",
        "-a", "127.0.0.1",
        "-p", String(node.port),
        "-m", String(node.monitorPort),
        "-sd", node.store.path,
        "-n", node.name,
        "--cluster_name", "tstasks-test",
        "--cluster", `nats://127.0.0.1:${node.clusterPort}`,
        "--routes", routes,
      ],
      { label: `nats-server ${node.name}`, cwd: node.store.path },
    );
  };

  const waitReady = async (which: readonly NodeState[]): Promise<void> => {
    const running = nodes.filter((n) => n.proc && !n.proc.exited).length;
    await waitUntil(async () => (await Promise.all(which.map((n) => nodeReady(n, running)))).every(Boolean), {
      timeoutMs: startTimeoutMs,
      intervalMs: 200,
      label: `NATS cluster nodes ${which.map((n) => n.name).join(", ")} routed with a JetStream meta leader`,
      abortReason: () => which.map((n) => n.proc?.exitError()).find((e) => e !== undefined),
    });
  };

  const byName = (name: string): NodeState => {
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new Error(`NATS cluster has no node ${name}`);
    return node;
  };

  /**
   * Asks any running node (JetStream forwards the request to the stream's
   * leader), again while the cluster is too busy or electing to answer.
   */
  const streamInfo = (stream: string) =>
    waitUntil(
      async () => {
        const url = nodes.filter((n) => n.proc && !n.proc.exited).map((n) => `nats://127.0.0.1:${n.port}`);
        return withJetStreamManager(url, (jsm) => jsm.streams.info(stream));
      },
      { timeoutMs: startTimeoutMs, intervalMs: 200, label: `stream ${stream} info from the NATS cluster` },
    );

  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(nodes.map((n) => n.proc?.terminate("SIGTERM")));
    for (const n of nodes) await n.store.remove();
  };

  try {
    for (const node of nodes) await launch(node);
    await waitReady(nodes);
  } catch (err) {
    await Promise.all(nodes.map((n) => n.proc?.terminate("SIGKILL")));
    for (const n of nodes) await n.store.remove();
    throw err;
  }

  return {
    url: nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(","),
    nodes: nodes.map((n) => ({
      name: n.name,
      port: n.port,
      url: `nats://127.0.0.1:${n.port}`,
      get running() {
        return n.proc !== undefined && !n.proc.exited;
      },
    })),
    async streamLeader(stream) {
      return (await streamInfo(stream)).cluster?.leader || undefined;
    },
    async streamReplicas(stream) {
      return (await streamInfo(stream)).config.num_replicas;
    },
    async kill(name) {
      await byName(name).proc?.terminate("SIGKILL");
    },
    async restart(name) {
      if (stopped) throw new Error("NATS cluster: cannot restart a node after stop(): the stores are gone");
      const node = byName(name);
      await node.proc?.terminate("SIGTERM");
      await launch(node);
      await waitReady([node]);
    },
    stop: stopAll,
  };
}
