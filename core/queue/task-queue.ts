import type { TaskMessage } from "./task-message.js";
import type { TaskEventBus } from "../events/task-event-bus.js";

/**
 * One delivery of a message to a worker. Exactly one of ack, nak or term
 * should be called; until then the message is invisible to other workers
 * for the ack wait, which `working()` extends.
 */
export interface Delivery {
  readonly message: TaskMessage;
  /** 1 on first delivery, higher on redeliveries. */
  readonly deliveryCount: number;
  /**
   * Epoch ms since when the message has been due: when it was first
   * published, or its `runAt` if later. Priority aging counts from it, so a
   * message handed back (a nak, a redelivery) keeps the rank it earned.
   */
  readonly readySince: number;
  /** Done: never deliver again. */
  ack(): void;
  /** Hand back: deliver again after `delayMs` (default: at once). */
  nak(delayMs?: number): void;
  /** Give up on it: never deliver again. */
  term(): void;
  /** Still working: restart the ack-wait timer. */
  working(): void;
}

/** Options of {@link TaskQueue.consume}. */
export interface ConsumeOptions {
  /** Queue names to consume. */
  queues: readonly string[];
  /** Most deliveries handled at once (default 1). */
  concurrency: number;
  /**
   * Called when a message of `priority` (due since `readySince`, epoch ms)
   * waits for this consumer because all `concurrency` deliveries are out.
   * A handler holding deliveries it has not started yet may hand the lowest
   * of them back (nak) to make room; the queue then delivers the waiting
   * message in its place. Default: nothing.
   */
  makeRoom?: (priority: number, readySince: number) => void;
}

/** A running consumer started by {@link TaskQueue.consume}. */
export interface Consumer {
  /** Number of deliveries being handled right now. */
  readonly inFlight: number;
  /**
   * Stops pulling new messages and resolves when every in-flight handler
   * has returned.
   */
  stop(): Promise<void>;
}

/**
 * Sends task messages to workers. NATS JetStream implements it; the
 * embedded backend implements the same interface in process.
 *
 * Delivery is at least once: a message whose handler neither acks nor naks
 * within the ack wait is delivered again. The same connection carries the
 * live task events ({@link TaskEventBus}).
 */
export interface TaskQueue extends TaskEventBus {
  /**
   * Publishes messages (one per task; the task id deduplicates repeats).
   * Resolves when the queue has stored every one of them durably.
   */
  publish(messages: readonly TaskMessage[]): Promise<void>;

  /**
   * Calls `handler` for each delivery of the given queues, at most
   * `concurrency` at a time. The handler must settle the delivery.
   *
   * Priorities: among the messages waiting for a free slot, the one with the
   * highest effective priority (its `priority`, default 5, plus one per
   * aging step it has been due) is delivered first; first in, first out
   * among equals (see core/concurrency/priority-slots.ts).
   */
  consume(options: ConsumeOptions, handler: (delivery: Delivery) => Promise<void>): Promise<Consumer>;

  /**
   * Tells every worker that task `id` was cancelled, so the one running it
   * aborts its signal. Best effort and not durable: the store's REVOKED
   * status is what guarantees the task never completes as something else.
   */
  publishCancel(id: string): Promise<void>;

  /** Calls `handler` with the id of every task cancelled from now on; returns an unsubscribe function. */
  onCancel(handler: (id: string) => void): () => void;

  /** Resolves when the queue answers; rejects otherwise. */
  ping(): Promise<void>;

  /** Closes the connection after flushing pending work. */
  close(): Promise<void>;
}
