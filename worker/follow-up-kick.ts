import type { TaskQueue } from "../core/queue/task-queue.js";
import type { TaskRecord } from "../core/store/task-record.js";
import type { TaskStore } from "../core/store/task-store.js";
import { publishWithSpans } from "../core/telemetry/task-spans.js";
import type { Logger } from "../core/log/logger.js";
import { queueingDedupId } from "../core/queue/queueing-dedup-id.js";

/** Outbox rows one kick dispatches at most (the dispatcher drains any more). */
const KICK_LIMIT = 100;
/** Rows of submits in flight are left to their submit (as the dispatcher leaves them), ms. */
const OLDER_THAN_MS = 3000;

/**
 * A worker's nudge to the transactional outbox after it recorded an outcome
 * that may have created a follow-up (see mayFollowUp): a group's gather task
 * is inserted by the store with a held outbox row due now, and this queues it
 * at once instead of on the server's dispatcher's next tick. Kicks while one
 * runs are folded into one more round after it. The dispatcher stays the
 * guarantee: a failed kick is logged (debug) and left to it.
 * @returns the kick function.
 */
export function createFollowUpKick(store: TaskStore, queue: TaskQueue, log: Logger): () => void {
  let running = false;
  let again = false;
  const publish = (tasks: TaskRecord[]): Promise<void> =>
    // The dedup id the dispatcher would give, so two publishers of one queueing leave one message.
    publishWithSpans(queue, tasks.map((t) => ({ ...t, dedupId: queueingDedupId(t) })));
  const round = async (): Promise<void> => {
    do {
      again = false;
      await store.dispatchUnpublished(KICK_LIMIT, OLDER_THAN_MS, publish);
    } while (again);
  };
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    round()
      .catch((e: unknown) => log.debug({ err: e }, "follow-up kick failed; the outbox dispatcher queues it"))
      .finally(() => {
        running = false;
      });
  };
}
