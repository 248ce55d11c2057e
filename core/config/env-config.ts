import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { UnservedPolicy } from "../store/task-record.js";
import { parseRetentionDuration } from "./retention-duration.js";
import { packageRoot } from "./package-root.js";
import { LOG_FORMATS, LOG_LEVEL_NAMES, type LogFormat, type LogLevelName } from "../log/log-settings.js";

/**
 * Every setting of tstasks, read from environment variables once at start.
 * A bad value stops the process with one clear line per problem.
 */
export interface Config {
  /** HTTP/gRPC port (`PORT`, default 8080). */
  port: number;
  /** Address to listen on (`HOST`, default: all interfaces). */
  host: string | undefined;
  /**
   * Postgres URL (`DATABASE_URL`, postgres:// or postgresql://). Unset: the
   * embedded store (PGlite, a Postgres compiled to WASM) in `dataDir`.
   */
  databaseUrl: string | undefined;
  /**
   * Run the store's queries as prepared statements planned once per
   * connection (`DATABASE_PREPARED_STATEMENTS`, `on`/`off`, default on).
   * Off behind a pooler in transaction mode that cannot keep them
   * (PgBouncer before 1.21).
   */
  databasePreparedStatements: boolean;
  /**
   * NATS URL (`NATS_URL`), or several servers of one cluster as a comma list
   * (the client picks one and fails over to the others). Unset: the
   * in-process queue (one process only).
   */
  natsUrl: string | undefined;
  /**
   * Copies of the JetStream stream (`NATS_STREAM_REPLICAS`, 1–5, default 1;
   * 3 on a 3-node cluster). Used when the stream is created, or to raise a
   * lower count; never lowers an existing stream's.
   */
  natsStreamReplicas: number;
  /** Folder of the embedded store (`TSTASKS_DATA_DIR`, default ./.tstasks). */
  dataDir: string;
  /** Worker name (`WORKER_NAME`, default `worker-<hostname>-<pid>`). */
  workerName: string;
  /** Tasks one worker runs at once (`WORKER_CONCURRENCY`, default 16). */
  workerConcurrency: number;
  /**
   * Deliveries a worker takes beyond its concurrency, waiting unclaimed for a
   * run slot (`WORKER_PREFETCH`, default: `WORKER_CONCURRENCY`; 0: none).
   */
  workerPrefetch: number;
  /**
   * Port of a worker process's health and metrics endpoint: `GET /livez`,
   * `GET /readyz` and `GET /metrics` (`WORKER_METRICS_PORT` or its older
   * name `WORKER_HEALTH_PORT`, 1–65535; both set to different ports is an
   * error; unset: no endpoint). `npm run worker` only.
   */
  workerHealthPort: number | undefined;
  /**
   * Bearer secret that `GET /metrics` (server and worker) requires
   * (`METRICS_TOKEN`, at least 16 characters; unset: open, like `/ping`).
   */
  metricsToken: string | undefined;
  /**
   * Folder of taskpacks (`TASKPACKS_DIR`). Default: the taskpacks folder of
   * this installation (the demo, test and physicsjs packs), except with
   * `NODE_ENV=production`, where there is no default (undefined: no folder),
   * so a production worker runs only the packs it is given.
   */
  taskpacksDir: string | undefined;
  /**
   * Extra taskpacks (`TASKPACKS`, comma list): npm package names, or paths of
   * one pack folder each (absolute, or starting with `./` or `../`).
   */
  taskpackPackages: string[];
  /** Allowed CORS origins (`FRONTEND_URL`, comma list; `*` for any; unset: no CORS). */
  corsOrigins: string[];
  /** Largest accepted request body in bytes (`MAX_REQUEST_BYTES`, default 1 MiB). */
  maxRequestBytes: number;
  /** Deepest nesting accepted in task arguments (`MAX_ARGS_DEPTH`, default 32). */
  maxArgsDepth: number;
  /** True when `NODE_ENV=production`: no development keys are ever generated. */
  production: boolean;
  /** Token signing keys (`JWT_PRIVATE_PEM`, `JWT_PUBLIC_PEM`; PEM text). Never log these. */
  jwtPrivatePem: string | undefined;
  jwtPublicPem: string | undefined;
  /** Token lifetime in seconds (`JWT_EXPIRE_SEC`, default 3600, at least 60: tokens always expire). */
  jwtExpireSec: number;
  /** An external issuer whose tokens are also trusted (`JWT_JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`, all or none). */
  externalIssuer: { jwksUrl: string; issuer: string; audience: string } | undefined;
  /** Submissions per second per principal or client address (`SUBMIT_RATE_LIMIT`, default 1000; 0: no limit). */
  submitRateLimit: number;
  /** Token requests per minute per client address (`TOKEN_RATE_LIMIT`, default 30; 0: no limit). */
  tokenRateLimit: number;
  /**
   * How long a delivery may go unacknowledged (no heartbeat) before it is
   * given to another worker (`ACK_WAIT_MS`, default 30 000, at least 100). Set when the
   * queue's consumers are first created.
   */
  ackWaitMs: number;
  /**
   * How often a running task tells the queue it is still alive
   * (`WORKER_HEARTBEAT_MS`; default a third of the ack wait, at least 50 ms).
   * Must stay well below the ack wait, or healthy long tasks are redelivered
   * while they run (a fault test sets it above on purpose).
   */
  workerHeartbeatMs: number;
  /**
   * Messages of a task type the receiving worker lacks: queued again after
   * `UNSERVED_RETRY_MS` (default 1000, doubling per handback up to a minute),
   * until `UNSERVED_MAX_HANDBACKS` handbacks (default 20) or
   * `UNSERVED_MAX_AGE_MS` since the first (default 3 600 000); then the task
   * ends FAILURE NoWorkerForType.
   */
  unserved: UnservedPolicy;
  /**
   * How long a finished task (SUCCESS, FAILURE, REVOKED) is kept after it
   * finished (`RESULT_RETENTION`: `7d`, `12h`, `30m`, `90s`; default 7 days);
   * then the servers delete it with its log lines, and its idempotency key is
   * free again. Undefined (`0` or `off`): finished tasks are kept forever.
   * See docs/retention.md.
   */
  resultRetentionMs: number | undefined;
  /** How often each server deletes tasks past the retention (`RETENTION_SWEEP_MS`, default 60 000, at least 100). */
  retentionSweepMs: number;
  /** Most tasks deleted by one statement (`RETENTION_BATCH`, default 1000, 1 to 10 000). */
  retentionBatch: number;
  /** How often each server looks for due schedules (`SCHEDULER_INTERVAL_MS`, default 1000, 100 to 60 000). */
  schedulerIntervalMs: number;
  /** Least level of the process's log lines (`LOG_LEVEL`: trace, debug, info, warn, error, fatal, silent; default info). */
  logLevel: LogLevelName;
  /**
   * Format of the process's log lines (`LOG_FORMAT`: json or pretty).
   * Undefined (unset): pretty outside production on a terminal, JSON
   * otherwise (see resolveLogFormat).
   */
  logFormat: LogFormat | undefined;
  /**
   * A task waiting to start moves up one priority level per this many ms
   * since it was due (`PRIORITY_AGING_MS`, default 5000, 10 to 3 600 000),
   * so low priorities never starve. Used by the queue's consumers and the
   * worker's run slots alike.
   */
  priorityAgingMs: number;
}

/** `RESULT_RETENTION` when unset: 7 days. */
export const DEFAULT_RESULT_RETENTION_MS = 7 * 86_400_000;

/** The example taskpacks shipped with this installation (not the working directory's). */
export const DEFAULT_TASKPACKS_DIR = join(packageRoot(import.meta.dirname), "taskpacks");

const int = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

/** A retention such as `7d` (ms), or null for `0`/`off`: see {@link parseRetentionDuration}. */
const retention = (name: string) =>
  z.string().transform((s, ctx) => {
    try {
      return parseRetentionDuration(s);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `${name} ${err instanceof Error ? err.message : String(err)}` });
      return z.NEVER;
    }
  });

/** One of `values`, in any letter case. */
const oneOf = <const T extends readonly [string, ...string[]]>(name: string, values: T) =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { message: `${name} must be one of ${values.join(", ")}` }));

const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

const url = (name: string, schemes: string[]) =>
  z.string().refine((s) => {
    try {
      return schemes.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `${name} must be a URL starting with ${schemes.map((p) => p + "//").join(" or ")}`);

/** One URL, or a comma list of them (several servers of one cluster). */
const urlList = (name: string, schemes: string[]) =>
  z.string().refine(
    (s) => {
      const urls = s.split(",").map((u) => u.trim());
      return urls.every((u) => {
        try {
          return schemes.includes(new URL(u).protocol);
        } catch {
          return false;
        }
      });
    },
    `${name} must be a URL starting with ${schemes.map((p) => p + "//").join(" or ")}, or a comma list of such URLs`,
  );

const schema = z.object({
  PORT: int("PORT", 0, 65535).default(8080),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: url("DATABASE_URL", ["postgres:", "postgresql:"]).optional(),
  DATABASE_PREPARED_STATEMENTS: z
    .enum(["on", "off", "true", "false", "1", "0"], { message: "DATABASE_PREPARED_STATEMENTS must be on or off" })
    .default("on")
    .transform((v) => v === "on" || v === "true" || v === "1"),
  NATS_URL: urlList("NATS_URL", ["nats:", "tls:", "ws:", "wss:"]).optional(),
  NATS_STREAM_REPLICAS: int("NATS_STREAM_REPLICAS", 1, 5).default(1),
  TSTASKS_DATA_DIR: z.string().min(1).default(".tstasks"),
  WORKER_NAME: z.string().regex(/^[\w.@:-]{1,128}$/, "WORKER_NAME may use letters, digits and . _ - @ : (at most 128)").optional(),
  WORKER_CONCURRENCY: int("WORKER_CONCURRENCY", 1, 10_000).default(16),
  WORKER_PREFETCH: int("WORKER_PREFETCH", 0, 10_000).optional(),
  WORKER_HEALTH_PORT: int("WORKER_HEALTH_PORT", 1, 65535).optional(),
  WORKER_METRICS_PORT: int("WORKER_METRICS_PORT", 1, 65535).optional(),
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").regex(/^\S+$/, "METRICS_TOKEN must not contain spaces").optional(),
  TASKPACKS_DIR: z.string().min(1).optional(),
  TASKPACKS: list.default([]),
  FRONTEND_URL: list.default([]),
  MAX_REQUEST_BYTES: int("MAX_REQUEST_BYTES", 1024, 1 << 30).default(1 << 20),
  MAX_ARGS_DEPTH: int("MAX_ARGS_DEPTH", 1, 1000).default(32),
  NODE_ENV: z.string().optional(),
  JWT_PRIVATE_PEM: z.string().optional(),
  JWT_PUBLIC_PEM: z.string().optional(),
  JWT_EXPIRE_SEC: int("JWT_EXPIRE_SEC", 60, 31_536_000).default(3600),
  JWT_JWKS_URL: url("JWT_JWKS_URL", ["https:", "http:"]).optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  SUBMIT_RATE_LIMIT: int("SUBMIT_RATE_LIMIT", 0, 10_000_000).default(1000),
  TOKEN_RATE_LIMIT: int("TOKEN_RATE_LIMIT", 0, 1_000_000).default(30),
  ACK_WAIT_MS: int("ACK_WAIT_MS", 100, 3_600_000).default(30_000),
  WORKER_HEARTBEAT_MS: int("WORKER_HEARTBEAT_MS", 50, 3_600_000).optional(),
  UNSERVED_RETRY_MS: int("UNSERVED_RETRY_MS", 10, 3_600_000).default(1000),
  UNSERVED_MAX_HANDBACKS: int("UNSERVED_MAX_HANDBACKS", 0, 1_000_000).default(20),
  UNSERVED_MAX_AGE_MS: int("UNSERVED_MAX_AGE_MS", 0, 2_147_483_647).default(3_600_000),
  RESULT_RETENTION: retention("RESULT_RETENTION").default(DEFAULT_RESULT_RETENTION_MS),
  RETENTION_SWEEP_MS: int("RETENTION_SWEEP_MS", 100, 86_400_000).default(60_000),
  RETENTION_BATCH: int("RETENTION_BATCH", 1, 10_000).default(1000),
  SCHEDULER_INTERVAL_MS: int("SCHEDULER_INTERVAL_MS", 100, 60_000).default(1000),
  LOG_LEVEL: oneOf("LOG_LEVEL", LOG_LEVEL_NAMES).default("info"),
  LOG_FORMAT: oneOf("LOG_FORMAT", LOG_FORMATS).optional(),
  PRIORITY_AGING_MS: int("PRIORITY_AGING_MS", 10, 3_600_000).default(5000),
}).superRefine((e, ctx) => {
  if (e.WORKER_METRICS_PORT !== undefined && e.WORKER_HEALTH_PORT !== undefined && e.WORKER_METRICS_PORT !== e.WORKER_HEALTH_PORT) {
    ctx.addIssue({
      code: "custom",
      path: ["WORKER_METRICS_PORT"],
      message: `WORKER_METRICS_PORT (${e.WORKER_METRICS_PORT}) and WORKER_HEALTH_PORT (${e.WORKER_HEALTH_PORT}) name one port (health and metrics are served together): set one of them, or both to the same port`,
    });
  }
  const external = [e.JWT_JWKS_URL, e.JWT_ISSUER, e.JWT_AUDIENCE];
  if (external.some((v) => v !== undefined) && !external.every((v) => v !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["JWT_JWKS_URL"], message: "JWT_JWKS_URL, JWT_ISSUER and JWT_AUDIENCE go together: set all three or none" });
  }
});

/** Thrown by {@link loadConfig}; its message lists every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads and validates the configuration from `env` (default process.env).
 * Empty strings count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    natsUrl: e.NATS_URL,
    dataDir: resolve(e.TSTASKS_DATA_DIR),
    workerName: e.WORKER_NAME ?? `worker-${hostname()}-${process.pid}`,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerPrefetch: e.WORKER_PREFETCH ?? e.WORKER_CONCURRENCY,
    workerHealthPort: e.WORKER_METRICS_PORT ?? e.WORKER_HEALTH_PORT,
    metricsToken: e.METRICS_TOKEN,
    // Production loads only what it is told to: the shipped demo pack can stop the service.
    taskpacksDir: e.TASKPACKS_DIR !== undefined ? resolve(e.TASKPACKS_DIR) : production ? undefined : DEFAULT_TASKPACKS_DIR,
    taskpackPackages: e.TASKPACKS,
    corsOrigins: e.FRONTEND_URL,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    maxArgsDepth: e.MAX_ARGS_DEPTH,
    production,
    jwtPrivatePem: e.JWT_PRIVATE_PEM,
    jwtPublicPem: e.JWT_PUBLIC_PEM,
    jwtExpireSec: e.JWT_EXPIRE_SEC,
    externalIssuer:
      e.JWT_JWKS_URL && e.JWT_ISSUER && e.JWT_AUDIENCE
        ? { jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE }
        : undefined,
    submitRateLimit: e.SUBMIT_RATE_LIMIT,
    tokenRateLimit: e.TOKEN_RATE_LIMIT,
    ackWaitMs: e.ACK_WAIT_MS,
    workerHeartbeatMs: e.WORKER_HEARTBEAT_MS ?? Math.max(50, Math.floor(e.ACK_WAIT_MS / 3)),
    natsStreamReplicas: e.NATS_STREAM_REPLICAS,
    unserved: {
      firstDelayMs: e.UNSERVED_RETRY_MS,
      maxDelayMs: Math.max(60_000, e.UNSERVED_RETRY_MS),
      maxHandbacks: e.UNSERVED_MAX_HANDBACKS,
      maxAgeMs: e.UNSERVED_MAX_AGE_MS,
    },
    resultRetentionMs: e.RESULT_RETENTION ?? undefined,
    retentionSweepMs: e.RETENTION_SWEEP_MS,
    retentionBatch: e.RETENTION_BATCH,
    schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    priorityAgingMs: e.PRIORITY_AGING_MS,
  };
}
