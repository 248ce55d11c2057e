import type { Config } from "./config/env-config.js";
import { createJetStreamQueue } from "./queue/jetstream/jetstream-queue.js";
import type { TaskQueue } from "./queue/task-queue.js";
import { createPostgresTaskStore } from "./store/postgres/postgres-task-store.js";
import type { TaskStore } from "./store/task-store.js";

/** The store and queue a process uses, and how to close them. */
export interface Backends {
  store: TaskStore;
  queue: TaskQueue;
  /** One line per backend for the start banner. */
  describe: string[];
  /** Closes the queue (draining) and then the store. */
  close(): Promise<void>;
}

/**
 * Opens the store (Postgres at `DATABASE_URL`, migrated to the latest
 * schema) and the queue (NATS JetStream at `NATS_URL`). If the second fails,
 * the first is closed before the error is rethrown.
 */
export async function openBackends(config: Config, connectionName: string): Promise<Backends> {
  const store = await createPostgresTaskStore({ databaseUrl: config.databaseUrl });
  let queue: TaskQueue;
  try {
    queue = await createJetStreamQueue({ url: config.natsUrl, name: connectionName });
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    store,
    queue,
    describe: [`store: Postgres at ${redact(config.databaseUrl)}`, `queue: NATS JetStream at ${redact(config.natsUrl)}`],
    async close() {
      try {
        await queue.close();
      } finally {
        await store.close();
      }
    },
  };
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
