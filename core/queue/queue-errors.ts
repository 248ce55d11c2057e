/**
 * Errors raised by {@link TaskQueue} implementations, so callers can tell
 * "the queue did not take it" from programming mistakes.
 */

/**
 * Some messages of a `publish` call were not stored by the queue. The
 * others may have been: publishing again is safe because the task id
 * deduplicates. `cause` is the first failure.
 */
export class QueuePublishError extends Error {
  /** How many of the messages failed. */
  readonly failed: number;
  /** How many messages the call published. */
  readonly total: number;

  constructor(failed: number, total: number, options?: ErrorOptions) {
    super(`queue did not store ${failed} of ${total} messages`, options);
    this.name = "QueuePublishError";
    this.failed = failed;
    this.total = total;
  }
}

/** The queue server cannot be reached right now (disconnected, closed, or too slow to answer). */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueUnavailableError";
  }
}

/** A queue name that is not made of `[A-Za-z0-9_-]` (it would break subjects). */
export class InvalidQueueNameError extends Error {
  readonly queue: string;

  constructor(queue: string) {
    super(`invalid queue name ${JSON.stringify(queue)}: use letters, digits, "_" and "-" only`);
    this.name = "InvalidQueueNameError";
    this.queue = queue;
  }
}
