import type { TaskStore } from "../core/store/task-store.js";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";

/** Options of {@link startRetentionSweeper}. */
export interface RetentionSweeperOptions {
  /** How long a finished task is kept after it finished, in ms (at least 1). `RESULT_RETENTION`. */
  retentionMs: number;
  /** The pause between the end of one round and the start of the next. Default 60 000 ms. `RETENTION_SWEEP_MS`. */
  intervalMs?: number;
  /** Most tasks one statement deletes. Default 1000. `RETENTION_BATCH`. */
  batchSize?: number;
  /**
   * Where a round that deleted something is summed up (info, with `deleted`,
   * `batches`, `cutoff`, `ms`) and a failed round reported (warn, `err`).
   * Default: the process's root logger.
   */
  log?: Logger;
}

/** A running sweeper; see {@link startRetentionSweeper}. */
export interface RetentionSweeper {
  /** Stops it: no further round or batch starts; resolves once a batch in flight has ended. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Result retention: every `intervalMs`, deletes the tasks that finished
 * (SUCCESS, FAILURE, REVOKED) more than `retentionMs` ago, with their log
 * lines (see {@link TaskStore.deleteFinishedTasks}). A round deletes in
 * batches of `batchSize`, each its own statement (so locks are held for one
 * batch only), until a batch deletes fewer; it logs one line when it deleted
 * something. A failed round is logged and the next one tries again. Rounds
 * never overlap; the first starts `intervalMs` after the start. Safe to run
 * in every server at once: their batches skip each other's rows.
 *
 * The cutoff is this process's clock minus the retention, compared with the
 * `finished_at` the database's clock wrote: a skew between the two shifts
 * the retention by as much, which is nothing against days.
 * @throws RangeError when `retentionMs` is below 1 or `batchSize` is not a whole number of at least 1.
 */
export function startRetentionSweeper(
  store: Pick<TaskStore, "deleteFinishedTasks">,
  options: RetentionSweeperOptions,
): RetentionSweeper {
  const { retentionMs, intervalMs = 60_000, batchSize = 1000 } = options;
  // Refused here, once, rather than by the store in every round.
  if (!(retentionMs >= 1)) throw new RangeError(`retentionMs must be at least 1, got ${retentionMs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a whole number of at least 1, got ${batchSize}`);
  const log = options.log ?? defaultLogger().child({ component: "retention" });
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<void> => {
    // One cutoff per round: rows finishing meanwhile are younger than it anyway.
    const cutoff = new Date(Date.now() - retentionMs);
    const started = performance.now();
    let deleted = 0;
    let batches = 0;
    try {
      for (;;) {
        const n = await store.deleteFinishedTasks(cutoff, batchSize);
        deleted += n;
        batches++;
        if (n < batchSize || stopped) break;
      }
    } catch (err) {
      const done = deleted > 0 ? ` (after deleting ${deleted})` : "";
      log.warn({ err, deleted }, `deleting tasks past retention failed${done}; will retry next round`);
      return;
    }
    if (deleted > 0) {
      const ms = Math.round(performance.now() - started);
      log.info(
        { deleted, batches, cutoff: cutoff.toISOString(), ms },
        `retention: deleted ${deleted} task(s) finished before ${cutoff.toISOString()} (${batches} batch(es), ${ms} ms)`,
      );
    }
  };

  // The next round is scheduled when one ends, so a slow round delays the next instead of overlapping it.
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = round().finally(schedule);
    }, intervalMs);
    // Nothing to wait for at exit: an interrupted round is the next start's work.
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
