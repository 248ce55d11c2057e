import { ConfigError, type Config } from "./env-config.js";

/**
 * A server or worker that runs as its own process shares the store and the
 * queue with other processes, so it needs Postgres and NATS: the embedded
 * store and queue live inside one process (`npm start`). Throws a
 * ConfigError naming what is missing.
 */
export function requireSharedBackends(config: Config, command: string): void {
  const missing = [config.databaseUrl ? undefined : "DATABASE_URL", config.natsUrl ? undefined : "NATS_URL"].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(
      `${command} needs ${missing.join(" and ")}: separate server and worker processes share Postgres and NATS. ` +
        "Without them, use `npm start`, which runs the server and a worker in one process on the embedded store and queue.",
    );
  }
}
