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
