import { InvalidQueueNameError } from "../queue-errors.js";

/** Queue names are one NATS subject token: no dots, no wildcards, no spaces. */
const QUEUE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Throws {@link InvalidQueueNameError} unless `queue` is a non-empty
 * string of `[A-Za-z0-9_-]`.
 */
export function assertQueueName(queue: string): void {
  if (!QUEUE_NAME.test(queue)) throw new InvalidQueueNameError(queue);
}

/** The subject a queue's messages are published on: `<prefix>.<queue>`. */
export function queueSubject(prefix: string, queue: string): string {
  return `${prefix}.${queue}`;
}

/**
 * The durable consumer shared by every worker of a queue: `q-<queue>`.
 * A work-queue stream allows one consumer per subject, so sharing it is
 * also how workers scale out.
 */
export function queueConsumerName(queue: string): string {
  return `q-${queue}`;
}
