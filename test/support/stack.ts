import { rm } from "node:fs/promises";
import { createInProcessQueue } from "../../core/queue/memory/in-process-queue.js";
import { createPgliteTaskStore } from "../../core/store/pglite/pglite-task-store.js";
import type { Backend } from "./backends.js";
import { DEFAULT_TASKPACKS_DIR } from "../../core/config/env-config.js";
import { testSigningKeys } from "./test-keys.js";
import { createTokenService, type TokenService } from "../../server/auth/token-service.js";
import { createUserStoreOnKysely } from "../../core/store/users/user-store-on-kysely.js";
import type { UserStore } from "../../core/store/users/user-store.js";
import type { KyselyTaskStore } from "../../core/store/postgres/postgres-task-store.js";
import { createJetStreamQueue } from "../../core/queue/jetstream/jetstream-queue.js";
import type { TaskQueue } from "../../core/queue/task-queue.js";
import { createPostgresTaskStore } from "../../core/store/postgres/postgres-task-store.js";
import type { TaskStore } from "../../core/store/task-store.js";
import { build, type TasksServer } from "../../server/server.js";
import type { RetentionSweeperOptions } from "../../server/retention-sweeper.js";
import type { SchedulerOptions } from "../../server/schedules/scheduler.js";
import { loadTaskpacks } from "../../worker/packs/load-taskpacks.js";
import { createWorker, type Worker, type WorkerOptions } from "../../worker/worker.js";
import { registerWorker } from "../../worker/worker-registration.js";
import { startNats, type NatsServer } from "../harness/nats-server.js";
import { startPostgres, type PostgresServer } from "../harness/postgres-server.js";
import { freshPgliteDataDir } from "./pglite-template.js";
import { silentLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";


/** A worker started by {@link Stack.startWorker}, with its own connections. */
export interface StackWorker {
  worker: Worker;
  name: string;
  /** Its id in the store's worker registry (GET /workers). */
  registryId: string;
  /** Stops the worker (which removes it from the registry) and closes its connections. */
  stop(): Promise<void>;
}

/** Options of {@link Stack.startWorker}. */
export interface StackWorkerOptions {
  name?: string;
  /** Taskpacks folder; default the repository's. */
  dir?: string;
  concurrency?: number;
  /** See {@link WorkerOptions.prefetch}. */
  prefetch?: number;
  /** See {@link WorkerOptions.unserved}. */
  unserved?: WorkerOptions["unserved"];
  /** Where the worker's log lines go; default: nowhere (a silent logger). */
  log?: Logger;
  /** Its registry heartbeat interval (it registers as `npm run worker` does); default 1000 ms. */
  registryIntervalMs?: number;
}

/**
 * A whole private tstasks: API server and workers on either backend
 * ("real": private Postgres and nats-server; "embedded": PGlite and the
 * in-process queue, shared by the server and the workers as in `npm start`).
 */
export interface Stack {
  backend: Backend;
  /** `http://127.0.0.1:<port>` of the API server. */
  baseUrl: string;
  port: number;
  /** The server's store (for assertions on the table). */
  store: TaskStore;
  queue: TaskQueue;
  users: UserStore;
  /** The server's token service: issue tokens for tests without a user. */
  tokens: TokenService;
  /** The private servers (real backend only). */
  postgres?: PostgresServer;
  nats?: NatsServer;
  /** Workers started so far, in order. */
  workers: readonly StackWorker[];
  /**
   * Starts a worker: on the real backend like `npm run worker` (its own
   * store and queue connections), embedded like `npm start` (sharing them).
   */
  startWorker(options?: StackWorkerOptions): Promise<StackWorker>;
  /** Stops workers, the server, and both private servers. */
  stop(): Promise<void>;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Default "real". */
  backend?: Backend;
  /** Real backend: run Postgres with its durability on (for tests that kill it). */
  durablePostgres?: boolean;
  /** Server limits (defaults: the server's). */
  submitRateLimit?: number;
  tokenRateLimit?: number;
  maxRequestBytes?: number;
  maxArgsDepth?: number;
  corsOrigins?: string[];
  /** The server's outbox dispatcher (default: every 200 ms, rows unpublished for 500 ms). */
  outbox?: { intervalMs?: number; olderThanMs?: number };
  /** Workers to start at once (default 1) with the repository's taskpacks. */
  workers?: number;
  /** The server's result retention (default: off, finished tasks are kept). */
  retention?: RetentionSweeperOptions;
  /** The server's scheduler (default: the server's, every second). */
  scheduler?: SchedulerOptions;
  /** Tasks per batch of CancelTasks and RetryTasks (default: the server's, 1000). */
  bulkBatchSize?: number;
}

/**
 * Starts a private stack for an end-to-end test file: real Postgres, real
 * NATS JetStream, the real server on a free port, and real workers.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const backend = options.backend ?? "real";
  let postgres: PostgresServer | undefined;
  let nats: NatsServer | undefined;
  let dataDir: string | undefined;
  let store: KyselyTaskStore;
  let queue: TaskQueue;
  if (backend === "real") {
    [postgres, nats] = await Promise.all([startPostgres({ durable: options.durablePostgres }), startNats()]);
    store = await createPostgresTaskStore({ databaseUrl: postgres.url });
    queue = await createJetStreamQueue({ url: nats.url, name: "test-server" });
  } else {
    dataDir = await freshPgliteDataDir();
    store = await createPgliteTaskStore({ dataDir });
    queue = createInProcessQueue();
  }
  const users = createUserStoreOnKysely(store.db);
  const tokens = createTokenService({ keys: await testSigningKeys(), expireSec: 3600 });
  const server: TasksServer = build({
    store,
    queue,
    users,
    tokens,
    submitRateLimit: options.submitRateLimit ?? 0,
    tokenRateLimit: options.tokenRateLimit ?? 0,
    maxRequestBytes: options.maxRequestBytes,
    maxArgsDepth: options.maxArgsDepth,
    corsOrigins: options.corsOrigins,
    outbox: { intervalMs: 200, olderThanMs: 500, ...options.outbox },
    retention: options.retention,
    scheduler: options.scheduler,
    bulkBatchSize: options.bulkBatchSize,
  });
  const port = await server.listen(0, "127.0.0.1");
  const workers: StackWorker[] = [];
  let count = 0;

  const startWorker = async (o: StackWorkerOptions = {}): Promise<StackWorker> => {
    const name = o.name ?? `test-worker-${++count}`;
    const own = postgres && nats;
    const wStore = own ? await createPostgresTaskStore({ databaseUrl: postgres!.url, poolSize: 4 }) : store;
    const wQueue = own ? await createJetStreamQueue({ url: nats!.url, name }) : queue;
    const { tasks, failures } = await loadTaskpacks({ dir: o.dir ?? DEFAULT_TASKPACKS_DIR });
    if (failures.length > 0) throw new Error(`taskpacks failed to load: ${JSON.stringify(failures)}`);
    const worker = createWorker({
      store: wStore,
      queue: wQueue,
      tasks,
      name,
      concurrency: o.concurrency ?? 8,
      prefetch: o.prefetch,
      timeoutGraceMs: 500,
      unserved: o.unserved,
      log: o.log ?? silentLogger(),
    });
    await worker.start();
    const registration = await registerWorker(worker, {
      store: wStore,
      name,
      taskTypes: tasks.map((t) => t.name),
      concurrency: o.concurrency ?? 8,
      intervalMs: o.registryIntervalMs ?? 1000,
      log: o.log ?? silentLogger(),
    });
    let stopped = false;
    const handle: StackWorker = {
      worker,
      name,
      registryId: registration.id,
      async stop() {
        if (stopped) return;
        stopped = true;
        await worker.stop();
        if (own) {
          await wQueue.close();
          await wStore.close();
        }
      },
    };
    workers.push(handle);
    return handle;
  };

  for (let i = 0; i < (options.workers ?? 1); i++) await startWorker();

  return {
    backend,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    store,
    queue,
    users,
    tokens,
    postgres,
    nats,
    startWorker,
    workers,
    async stop() {
      await Promise.allSettled(workers.map((w) => w.stop()));
      await server.close(100);
      await queue.close().catch(() => {});
      await store.close().catch(() => {});
      await Promise.allSettled([postgres?.stop(), nats?.stop()]);
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
