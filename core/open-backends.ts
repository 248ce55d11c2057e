import type { Config } from "./config/env-config.js";
import { createJetStreamQueue } from "./queue/jetstream/jetstream-queue.js";
import { createInProcessQueue } from "./queue/memory/in-process-queue.js";
import type { TaskQueue } from "./queue/task-queue.js";
import { republishUnfinished } from "./recovery/republish-unfinished.js";
import { createPgliteTaskStore } from "./store/pglite/pglite-task-store.js";
import { createPostgresTaskStore } from "./store/postgres/postgres-task-store.js";
import type { TaskStore } from "./store/task-store.js";
import { createUserStoreOnKysely } from "./store/users/user-store-on-kysely.js";
import type { UserStore } from "./store/users/user-store.js";
import { defaultLogger } from "./log/default-logger.js";
import type { Logger } from "./log/logger.js";
import { redactUrl } from "./log/redact-url.js";

/** The store and queue a process uses, and how to close them. */
export interface Backends {
  store: TaskStore;
  /** The credential store, in the same database as the tasks. */
  users: UserStore;
  queue: TaskQueue;
  /** True when either backend lives inside this process (PGlite or the in-process queue). */
  embedded: { store: boolean; queue: boolean };
  /** Unfinished tasks re-queued from the store at start (in-process queue only). */
  recovered: number;
  /** One line per backend for the start banner. */
  describe: string[];
  /** Closes the queue (draining) and then the store. */
  close(): Promise<void>;
}

/**
 * Opens the store and the queue the configuration names:
 * - `DATABASE_URL` set: Postgres, migrated to the latest schema; unset: the
 *   embedded PGlite store persisted under `TSTASKS_DATA_DIR`;
 * - `NATS_URL` set: NATS JetStream; unset: the in-process queue. The
 *   in-process queue keeps nothing on disk, so the tasks the store says are
 *   unfinished (queued, retrying, or running when the process died) are
 *   published to it again before anything consumes it: nothing is lost.
 * If the second backend fails to open, the first is closed before rethrowing.
 * `log` (default: the process's root logger) gets the backends' own lines,
 * as components `postgres` and `queue`.
 */
export async function openBackends(config: Config, connectionName: string, log: Logger = defaultLogger()): Promise<Backends> {
  const store = config.databaseUrl
    ? await createPostgresTaskStore({
        databaseUrl: config.databaseUrl,
        preparedStatements: config.databasePreparedStatements,
        log: log.child({ component: "postgres" }),
      })
    : await createPgliteTaskStore({ dataDir: config.dataDir });
  let queue: TaskQueue;
  let recovered = 0;
  try {
    queue = config.natsUrl
      ? await createJetStreamQueue({
          url: config.natsUrl,
          name: connectionName,
          ackWaitMs: config.ackWaitMs,
          replicas: config.natsStreamReplicas,
          log: log.child({ component: "queue" }),
          priorityAgingMs: config.priorityAgingMs,
        })
      : createInProcessQueue({ ackWaitMs: config.ackWaitMs, log: log.child({ component: "queue" }), priorityAgingMs: config.priorityAgingMs });
    if (!config.natsUrl) recovered = await republishUnfinished(store, queue);
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    store,
    users: createUserStoreOnKysely(store.db),
    queue,
    recovered,
    embedded: { store: !config.databaseUrl, queue: !config.natsUrl },
    describe: [
      config.databaseUrl
        ? `store: Postgres at ${redact(config.databaseUrl)}`
        : `store: embedded PGlite, data in ${config.dataDir}  (set DATABASE_URL to use Postgres)`,
      config.natsUrl
        ? `queue: NATS JetStream at ${redact(config.natsUrl)}`
        : "queue: in-process (this process only)  (set NATS_URL to use NATS JetStream)",
    ],
    async close() {
      try {
        await queue.close();
      } finally {
        await store.close();
      }
    },
  };
}

/** The URL (or comma list of URLs) without passwords, for logs: {@link redactUrl}. */
export const redact = redactUrl;
