import type { TaskEvent } from "../../events/task-event.js";
import type { EventSubscription } from "../../events/task-event-bus.js";
import { QueueUnavailableError } from "../queue-errors.js";
import type { TaskMessage } from "../task-message.js";
import type { ConsumeOptions, Consumer, Delivery, TaskQueue } from "../task-queue.js";
import { assertQueueName } from "../queue-name.js";
import { MessageBroker } from "./message-broker.js";
import { defaultLogger } from "../../log/default-logger.js";
import type { Logger } from "../../log/logger.js";
import { DEFAULT_PRIORITY_AGING_MS } from "../../concurrency/priority-slots.js";

/** Options of {@link createInProcessQueue}. */
export interface InProcessQueueOptions {
  /** A delivery nobody settles or extends is redelivered after this long (default 30 000 ms). */
  ackWaitMs?: number;
  /** A message id published again within this long is dropped (default 120 000 ms; 0 turns deduplication off). */
  duplicateWindowMs?: number;
  /** Where a consumer's handler that throws is reported. Default: the process's root logger. */
  log?: Logger;
  /**
   * A waiting message moves up one priority level per this many ms since it
   * was due, so low priorities never starve (default 5000; see
   * core/concurrency/priority-slots.ts).
   */
  priorityAgingMs?: number;
}

/**
 * Returns a {@link TaskQueue} that lives in this process, for the
 * embedded mode (no NATS). It behaves as the JetStream adapter does:
 *
 * - one FIFO per queue name and priority level; messages wait until a
 *   consumer of their queue appears; the waiting message of highest
 *   effective priority (priority plus one per `priorityAgingMs` since it was
 *   due) goes first, the one due first among equals; within a level,
 *   redeliveries go before new messages;
 * - `publish` drops a message whose id was published within the
 *   duplicate window, even if the first copy was already acked, and never
 *   delivers before the caller's `await` has returned;
 * - consumers of the same queue share its messages, each message going to
 *   one of them at a time, taking turns; a consumer never holds more than
 *   `concurrency` messages, so `stop()` leaves every message it did not
 *   start to the others at once (JetStream brings those back only after
 *   the ack wait);
 * - a delivery neither settled nor extended by `working()` within
 *   `ackWaitMs` is redelivered with `deliveryCount + 1`; a handler that
 *   throws without settling gets its delivery nak'ed;
 * - queue names must be `[A-Za-z0-9_-]+`, as on JetStream, so a setup
 *   that works embedded also works with NATS.
 *
 * Nothing is kept on disk and `close()` drops what is still queued: the
 * store is the record, and unfinished tasks are republished from it after
 * a restart. Timers are unref'd and cleared by `close()`.
 *
 * @throws RangeError for a non-positive `ackWaitMs` or `priorityAgingMs`, or a negative `duplicateWindowMs`.
 */
export function createInProcessQueue(options: InProcessQueueOptions = {}): TaskQueue {
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
  if (!Number.isFinite(ackWaitMs) || ackWaitMs < 1) throw new RangeError(`ackWaitMs must be > 0, got ${ackWaitMs}`);
  if (!Number.isFinite(duplicateWindowMs) || duplicateWindowMs < 0) {
    throw new RangeError(`duplicateWindowMs must be >= 0, got ${duplicateWindowMs}`);
  }
  const priorityAgingMs = options.priorityAgingMs ?? DEFAULT_PRIORITY_AGING_MS;
  if (!(priorityAgingMs > 0)) throw new RangeError(`priorityAgingMs must be > 0, got ${priorityAgingMs}`);
  return new InProcessQueue(
    new MessageBroker({ ackWaitMs, duplicateWindowMs, priorityAgingMs, log: options.log ?? defaultLogger().child({ component: "queue" }) }),
  );
}

class InProcessQueue implements TaskQueue {
  readonly #broker: MessageBroker;
  readonly #cancelHandlers = new Set<(id: string) => void>();
  readonly #eventHandlers = new Map<string, Set<(event: TaskEvent) => void>>();
  #closed: Promise<void> | undefined;

  constructor(broker: MessageBroker) {
    this.#broker = broker;
  }

  async publish(messages: readonly TaskMessage[]): Promise<void> {
    if (this.#closed) throw new QueueUnavailableError("queue is closed");
    // All or nothing: check every name before queuing any message.
    for (const message of messages) assertQueueName(message.queue);
    this.#broker.publish(messages);
  }

  async consume(options: ConsumeOptions, handler: (delivery: Delivery) => Promise<void>): Promise<Consumer> {
    if (this.#closed) throw new QueueUnavailableError("queue is closed");
    const queues = [...new Set(options.queues)];
    if (queues.length === 0) throw new RangeError("consume needs at least one queue");
    for (const queue of queues) assertQueueName(queue);
    return this.#broker.consume(queues, options.concurrency, handler, options.makeRoom);
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new QueueUnavailableError("queue is closed");
  }

  async publishCancel(id: string): Promise<void> {
    if (this.#closed) throw new QueueUnavailableError("queue is closed");
    // Like a NATS message: delivered after the caller's await returns.
    setImmediate(() => {
      for (const handler of [...this.#cancelHandlers]) handler(id);
    });
  }

  onCancel(handler: (id: string) => void): () => void {
    this.#cancelHandlers.add(handler);
    return () => this.#cancelHandlers.delete(handler);
  }

  publishEvents(events: readonly TaskEvent[]): void {
    if (this.#closed) return;
    const copies = events.map((e) => ({ ...e }));
    // Like NATS: delivered after the publisher goes on, never inside its call.
    setImmediate(() => {
      for (const event of copies) {
        for (const handler of [...(this.#eventHandlers.get(event.taskId) ?? [])]) handler(event);
      }
    });
  }

  subscribeEvents(taskId: string, handler: (event: TaskEvent) => void): EventSubscription {
    if (this.#closed) throw new QueueUnavailableError("queue is closed");
    let handlers = this.#eventHandlers.get(taskId);
    if (!handlers) this.#eventHandlers.set(taskId, (handlers = new Set()));
    const own = (event: TaskEvent) => handler(event);
    handlers.add(own);
    return {
      ready: Promise.resolve(),
      unsubscribe: () => {
        handlers.delete(own);
        if (handlers.size === 0 && this.#eventHandlers.get(taskId) === handlers) this.#eventHandlers.delete(taskId);
      },
    };
  }

  /** Stops every consumer, waits for their in-flight handlers, then drops what is left. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#broker.consumers].map((consumer) => consumer.stop()));
      this.#broker.close();
    })();
    return this.#closed;
  }
}
