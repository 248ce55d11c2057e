import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY } from "../../task/priority.js";

/**
 * The subject a queue's messages of one priority are published on:
 * `<prefix>.<queue>` for priority 5 (absent: 5), the subject every queue
 * had before priorities, so messages in flight and deployments from then
 * keep working; `<prefix>.<queue>.p<N>` for every other level. Queue names
 * cannot contain dots (see queue-name.ts), so a level's subject never
 * equals another queue's, and each consumer filters on one exact subject:
 * no two filters of the work-queue stream overlap.
 */
export function queueSubject(prefix: string, queue: string, priority?: number): string {
  return priority === undefined || priority === DEFAULT_PRIORITY ? `${prefix}.${queue}` : `${prefix}.${queue}.p${priority}`;
}

/**
 * The durable consumer shared by every worker of a queue's priority level:
 * `q-<queue>` for priority 5 (absent: 5), `q<N>-<queue>` for another level
 * N (e.g. `q10-default`). A work-queue stream allows one consumer per
 * subject, so sharing it is also how workers scale out. The level goes
 * before the queue name, not after it as `q-<queue>-p<N>` would: queue names
 * may contain `-`, so queue `a-p3` at level 5 and queue `a` at level 3 would
 * then share a name, while `q-` never starts a level's name and `q<N>-`
 * ends at the first `-`.
 */
export function queueConsumerName(queue: string, priority?: number): string {
  return priority === undefined || priority === DEFAULT_PRIORITY ? `q-${queue}` : `q${priority}-${queue}`;
}

/** Every priority level, highest first: a worker runs one pull loop per queue and level. */
export const PRIORITY_LEVELS: readonly number[] = Array.from({ length: MAX_PRIORITY - MIN_PRIORITY + 1 }, (_, i) => MAX_PRIORITY - i);
