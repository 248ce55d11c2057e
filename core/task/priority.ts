/** The lowest priority a task may have. */
export const MIN_PRIORITY = 1;

/** The highest priority a task may have: it runs first. */
export const MAX_PRIORITY = 10;

/**
 * The priority of a task whose type and submission name none. It is also
 * the level whose messages keep the queue's original JetStream subject and
 * consumer, so deployments from before priorities keep working.
 */
export const DEFAULT_PRIORITY = 5;

/** True when `value` is a whole number from 1 to 10. */
export function isPriority(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= MIN_PRIORITY && value <= MAX_PRIORITY;
}

/**
 * The priority of a message or record that may lack one (published before
 * priorities existed, or by hand): its own when valid, else 5.
 */
export function priorityOrDefault(value: unknown): number {
  return isPriority(value) ? value : DEFAULT_PRIORITY;
}
