/** Where a worker's consumer is in its life. */
export type ConsumerState =
  /** start() has not finished yet. */
  | "starting"
  /** Pulling deliveries from its queues. */
  | "running"
  /** Started, but it has no task types, so it consumes nothing. */
  | "idle"
  /** stop() was called: no new pulls, running tasks are finishing. */
  | "stopping"
  /** stop() has finished. */
  | "stopped";

/**
 * A worker's answer to "can you work right now?". `queue` and `store` are
 * "ok" or `down: <why>`; `ready` is true only when both are ok and the
 * consumer is running.
 */
export interface WorkerHealth {
  ready: boolean;
  checks: {
    queue: string;
    store: string;
    consumer: ConsumerState;
  };
}
