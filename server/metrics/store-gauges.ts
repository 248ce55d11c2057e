import { Counter, Gauge, type Registry } from "prom-client";

/**
 * What the store gauges read, at scrape time: the TaskStore methods of the
 * same names (a structural subset, so tests can pass a small fake).
 */
export interface StoreStatsSource {
  /** Per queue with waiting or running tasks. */
  queueStats(): Promise<readonly { queue: string; waiting: number; running: number; oldestWaitingSeconds: number }[]>;
  /** Tasks the outbox still has to queue. */
  outboxBacklog(): Promise<number>;
  /** Registered workers, with whether their heartbeats still arrive. */
  listWorkers(): Promise<readonly { alive: boolean }[]>;
}

/** Options of {@link registerStoreGauges}. */
export interface StoreGaugesOptions {
  /** A store reading is reused by scrapes within this long after it came in (and always by the gauges of one scrape). Default 2000 ms. */
  cacheMs?: number;
}

interface StoreSnapshot {
  queues: Awaited<ReturnType<StoreStatsSource["queueStats"]>>;
  outboxBacklog: number;
  workersAlive: number;
}

/**
 * Registers the gauges read from the store when scraped:
 * `tstasks_queue_depth`, `tstasks_queue_running` and
 * `tstasks_queue_oldest_waiting_seconds` per `queue`, `tstasks_workers_alive`
 * and `tstasks_outbox_backlog`. One reading (three queries) serves every
 * gauge and every scrape within `cacheMs`, so a scrape storm cannot load the
 * store. A queue seen once stays listed (at 0 when empty) rather than
 * vanishing. A reading that fails keeps the previous values and counts in
 * `tstasks_store_stats_errors_total`; the scrape itself still succeeds.
 */
export function registerStoreGauges(registry: Registry, source: StoreStatsSource, options: StoreGaugesOptions = {}): void {
  const cacheMs = options.cacheMs ?? 2000;
  // A reading is shared while it is in flight (every gauge of one scrape), and for cacheMs after it settled.
  let cached: { settledAt: number | undefined; reading: Promise<StoreSnapshot | undefined> } | undefined;
  const reading = (): Promise<StoreSnapshot | undefined> => {
    if (cached !== undefined && (cached.settledAt === undefined || Date.now() - cached.settledAt < cacheMs)) return cached.reading;
    const entry: { settledAt: number | undefined; reading: Promise<StoreSnapshot | undefined> } = { settledAt: undefined, reading: Promise.resolve(undefined) };
    entry.reading = Promise.all([source.queueStats(), source.outboxBacklog(), source.listWorkers()])
      .then(
        ([queues, outboxBacklog, workers]) => ({ queues, outboxBacklog, workersAlive: workers.filter((w) => w.alive).length }),
        () => {
          errors.inc();
          return undefined;
        },
      )
      .finally(() => {
        entry.settledAt = Date.now();
      });
    cached = entry;
    return entry.reading;
  };
  const errors = new Counter({
    name: "tstasks_store_stats_errors_total",
    help: "Scrape-time store readings (queue depth, workers, outbox) that failed; the gauges then keep their previous values.",
    registers: [registry],
    // Read after this scrape's reading settled, so a failure shows in the scrape it happened in.
    async collect() {
      await reading();
    },
  });

  const seenQueues = new Set<string>();
  /** A per-queue gauge: every queue seen so far, 0 where the store no longer lists it. */
  const perQueue = (name: string, help: string, value: (q: StoreSnapshot["queues"][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["queue"],
      registers: [registry],
      async collect() {
        const snapshot = await reading();
        if (snapshot === undefined) return;
        const listed = new Set<string>();
        for (const q of snapshot.queues) {
          seenQueues.add(q.queue);
          listed.add(q.queue);
          this.set({ queue: q.queue }, value(q));
        }
        for (const queue of seenQueues) if (!listed.has(queue)) this.set({ queue }, 0);
      },
    });
  perQueue("tstasks_queue_depth", "Tasks waiting for a worker (PENDING due now, and RETRY), per queue, from the store.", (q) => q.waiting);
  perQueue("tstasks_queue_running", "Tasks a worker runs now (STARTED), per queue, from the store.", (q) => q.running);
  perQueue(
    "tstasks_queue_oldest_waiting_seconds",
    "Age of the oldest waiting task per queue (0: none waits), from the store.",
    (q) => q.oldestWaitingSeconds,
  );
  const single = (name: string, help: string, value: (s: StoreSnapshot) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const snapshot = await reading();
        if (snapshot !== undefined) this.set(value(snapshot));
      },
    });
  single("tstasks_workers_alive", "Registered workers whose heartbeats arrive, from the store.", (s) => s.workersAlive);
  single("tstasks_outbox_backlog", "Tasks stored but not yet queued that may be queued now (the outbox dispatcher's work), from the store.", (s) => s.outboxBacklog);
}
