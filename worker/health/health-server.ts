import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WorkerHealth } from "./worker-health.js";
import { answerMetrics, METRICS_PATH, type MetricsEndpointOptions } from "../../core/telemetry/metrics-endpoint.js";

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** TCP port; 0 picks a free one (see {@link HealthServer.port}). */
  port: number;
  /** Address to listen on. Default: all interfaces (probes come from outside the host or pod). */
  host?: string;
  /** Asked on every `GET /readyz`; should not reject (a rejection answers 503). */
  health: () => Promise<WorkerHealth>;
  /** With a registry: also serve it at `GET /metrics` (Prometheus text; bearer `token` when set). Default: no /metrics. */
  metrics?: MetricsEndpointOptions;
}

/** A running health endpoint. */
export interface HealthServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves a worker process's probes over plain HTTP:
 * - `GET /livez`: 200 `{"status":"alive"}` while the process runs (liveness
 *   says nothing about NATS or Postgres: restarting a worker does not bring
 *   them back, it reconnects by itself);
 * - `GET /readyz`: 200 with the {@link WorkerHealth} JSON when ready, 503
 *   with the same JSON (naming the failing check) otherwise;
 * - `GET /metrics` (with `metrics` only): the worker's metrics in the
 *   Prometheus text format (see answerMetrics).
 *
 * Other paths are 404, other methods 405 (HEAD is answered like GET,
 * without a body). Nothing here needs or reveals credentials (but
 * `/metrics`, when `METRICS_TOKEN` is set, needs that bearer token).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    if (options.metrics !== undefined && (req.url ?? "/").split("?")[0] === METRICS_PATH) void answerMetrics(req, res, options.metrics);
    else void answer(req, res, options.health, options.metrics !== undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, health: () => Promise<WorkerHealth>, withMetrics: boolean): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (path !== "/livez" && path !== "/readyz") {
    return send(req, res, 404, { error: `not found: use /livez or /readyz${withMetrics ? " or /metrics" : ""}` });
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return send(req, res, 405, { error: "method not allowed" });
  }
  if (path === "/livez") return send(req, res, 200, { status: "alive" });
  let report: WorkerHealth | { ready: false; error: string };
  try {
    report = await health();
  } catch (e) {
    report = { ready: false, error: e instanceof Error ? e.message : String(e) };
  }
  send(req, res, report.ready ? 200 : 503, report);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    // A probe's answer is about this moment only.
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : text);
}
