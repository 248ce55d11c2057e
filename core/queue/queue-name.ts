import { InvalidQueueNameError } from "./queue-errors.js";

/**
 * The characters of a queue name: one NATS subject token (no dots, no
 * wildcards, no spaces). Every queue implementation accepts the same names,
 * so a setup that works embedded also works with NATS.
 */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * Throws {@link InvalidQueueNameError} unless `queue` is a non-empty
 * string of `[A-Za-z0-9_-]`.
 */
export function assertQueueName(queue: string): void {
  if (!QUEUE_NAME_PATTERN.test(queue)) throw new InvalidQueueNameError(queue);
}
