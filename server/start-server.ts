import type { Config } from "../core/config/env-config.js";
import type { Backends } from "../core/open-backends.js";
import { seedAdminFromEnv } from "./auth/seed-admin.js";
import { loadSigningKeys } from "./auth/signing-keys.js";
import { createTokenService } from "./auth/token-service.js";
import { build, type TasksServer } from "./server.js";
import type { Registry } from "prom-client";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";

/**
 * Everything `npm start` and `npm run server` do before serving: load the
 * token signing keys (development keys only outside production), seed the
 * first admin from `TSTASKS_ADMIN_USER`/`TSTASKS_ADMIN_PASSWORD`, build the
 * server and listen on the configured port. Resolves with the server and port.
 * `log` is the process's root logger (default: {@link defaultLogger}); the
 * server's parts log as their own components (`auth`, `server`, `outbox`, …).
 * `metrics` is the registry `GET /metrics` serves (default: the server's own).
 */
export async function startServer(
  config: Config,
  backends: Backends,
  log: Logger = defaultLogger(),
  metrics?: Registry,
): Promise<{ server: TasksServer; port: number }> {
  const keys = await loadSigningKeys({
    privatePem: config.jwtPrivatePem,
    publicPem: config.jwtPublicPem,
    production: config.production,
    devKeyDir: config.dataDir,
    log: log.child({ component: "auth" }),
  });
  const tokens = createTokenService({ keys, expireSec: config.jwtExpireSec, external: config.externalIssuer });
  await seedAdminFromEnv(backends.users, process.env, log.child({ component: "auth" }));
  const server = build({
    log,
    store: backends.store,
    queue: backends.queue,
    users: backends.users,
    tokens,
    corsOrigins: config.corsOrigins,
    maxRequestBytes: config.maxRequestBytes,
    maxArgsDepth: config.maxArgsDepth,
    submitRateLimit: config.submitRateLimit,
    tokenRateLimit: config.tokenRateLimit,
    metrics,
    metricsToken: config.metricsToken,
    scheduler: { intervalMs: config.schedulerIntervalMs },
    retention:
      config.resultRetentionMs === undefined
        ? undefined
        : { retentionMs: config.resultRetentionMs, intervalMs: config.retentionSweepMs, batchSize: config.retentionBatch },
  });
  const port = await server.listen(config.port, config.host);
  return { server, port };
}
