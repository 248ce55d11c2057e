import { performance } from "node:perf_hooks";
import type { TaskMessage } from "../task-message.js";
import type { Delivery } from "../task-queue.js";
import { DuplicateWindow } from "./duplicate-window.js";
import { InProcessConsumer } from "./in-process-consumer.js";
import type { Logger } from "../../log/logger.js";
import type { ConsumerOwner } from "./in-process-consumer.js";
import { InProcessDelivery } from "./in-process-delivery.js";
import type { DeliveryOwner } from "./in-process-delivery.js";
import type { MessageEntry } from "./message-entry.js";
import { QueueState } from "./queue-state.js";
import { RedeliveryClock } from "./redelivery-clock.js";
import { priorityOrDefault } from "../../task/priority.js";

/**
 * Most deliveries started in one event-loop turn, so that a long backlog
 * with fast handlers does not keep I/O (and other timers) waiting.
 */
const DELIVERIES_PER_TURN = 1_024;

/**
 * The in-process message router: queues, deduplication, deadlines and
 * dispatch to consumers. Every change that may let a consumer start a
 * message (a message queued, a slot freed) marks the consumers concerned
 * as hungry and schedules one dispatch pass on `setImmediate`, so nothing
 * is delivered inside `publish` or a settle call, and many changes in one
 * turn cost one pass.
 */
export class MessageBroker implements DeliveryOwner, ConsumerOwner {
  readonly #queues = new Map<string, QueueState>();
  readonly #dedup: DuplicateWindow;
  readonly #clock: RedeliveryClock;
  /** Consumers that may have room and a message waiting, in turn order. */
  readonly #hungry = new Set<InProcessConsumer>();
  readonly #consumers = new Set<InProcessConsumer>();
  #scheduled = false;
  #closed = false;

  readonly #log: Logger;
  readonly #priorityAgingMs: number;

  /**
   * `log` receives handler failures of its consumers; a waiting message
   * moves up one priority level per `priorityAgingMs` since it was due.
   */
  constructor(settings: { ackWaitMs: number; duplicateWindowMs: number; log: Logger; priorityAgingMs: number }) {
    this.#log = settings.log;
    this.#priorityAgingMs = settings.priorityAgingMs;
    this.#dedup = new DuplicateWindow(settings.duplicateWindowMs);
    this.#clock = new RedeliveryClock(settings.ackWaitMs, {
      ackWaitExpired: (entry) => {
        entry.current = undefined;
        this.#redeliver(entry);
      },
      delayOver: (entry) => this.#redeliver(entry),
    });
  }

  /** Consumers not stopped yet. */
  get consumers(): ReadonlySet<InProcessConsumer> {
    return this.#consumers;
  }

  /** Queues the messages, dropping ids seen within the duplicate window. */
  publish(messages: readonly TaskMessage[]): void {
    const now = performance.now();
    const wallNow = Date.now();
    this.#dedup.expire(now);
    let last: QueueState | undefined;
    for (const message of messages) {
      if (!this.#dedup.admit(message.dedupId ?? message.id, now)) continue;
      const queue = last?.name === message.queue ? last : this.#queue(message.queue);
      const priority = priorityOrDefault(message.priority);
      const readySince = message.runAt !== undefined && message.runAt > wallNow ? message.runAt : wallNow;
      const entry: MessageEntry = { payload: JSON.stringify(message), queue, priority, readySince, deliveries: 0, done: false, current: undefined };
      queue.enqueue(entry);
      // Batches are mostly one queue: wake its consumers once per run of it.
      if (queue !== last) this.#wakeConsumersOf(queue);
      this.#askForRoom(entry);
      last = queue;
    }
  }

  /**
   * Starts a consumer of the given (valid, distinct) queues.
   * @throws RangeError for a concurrency that is not an integer ≥ 1.
   */
  consume(
    queues: readonly string[],
    concurrency: number,
    handler: (delivery: Delivery) => Promise<void>,
    makeRoom?: (priority: number, readySince: number) => void,
  ): InProcessConsumer {
    const states = queues.map((name) => this.#queue(name));
    const consumer = new InProcessConsumer(states, concurrency, handler, this, this.#log, makeRoom);
    this.#consumers.add(consumer);
    for (const queue of states) queue.attach(consumer);
    this.consumerHasRoom(consumer);
    return consumer;
  }

  /** Drops every message and deadline; the broker delivers nothing afterwards. */
  close(): void {
    this.#closed = true;
    this.#clock.stop();
    this.#dedup.clear();
    this.#queues.clear();
    this.#hungry.clear();
  }

  consumerHasRoom(consumer: InProcessConsumer): void {
    if (this.#closed) return;
    this.#hungry.add(consumer);
    this.#schedule();
  }

  detach(consumer: InProcessConsumer): void {
    this.#consumers.delete(consumer);
    this.#hungry.delete(consumer);
    for (const queue of consumer.queues) queue.detach(consumer);
  }

  finish(entry: MessageEntry): void {
    if (entry.done) return;
    entry.done = true;
    if (entry.current !== undefined) {
      entry.current = undefined;
      this.#clock.untrack(entry);
    }
  }

  requeue(entry: MessageEntry, delivery: InProcessDelivery, delayMs: number): void {
    // A stale delivery's nak: the ack wait already sent the message on.
    if (entry.done || entry.current !== delivery) return;
    entry.current = undefined;
    this.#clock.untrack(entry);
    if (delayMs > 0) this.#clock.delay(entry, delayMs);
    else this.#redeliver(entry);
  }

  extend(entry: MessageEntry, delivery: InProcessDelivery): void {
    if (!entry.done && entry.current === delivery) this.#clock.track(entry);
  }

  #queue(name: string): QueueState {
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = new QueueState(name, this.#priorityAgingMs);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #redeliver(entry: MessageEntry): void {
    if (entry.done || this.#closed) return;
    entry.queue.requeue(entry);
    this.#wakeConsumersOf(entry.queue);
    this.#askForRoom(entry);
  }

  /**
   * A message that no consumer of its queue has room for: the first full
   * one may hand back a lower delivery it has not started (see
   * ConsumeOptions.makeRoom), which frees a slot for this one. Only one is
   * asked, so one message makes room once.
   */
  #askForRoom(entry: MessageEntry): void {
    let full: InProcessConsumer | undefined;
    for (const consumer of entry.queue.consumers) {
      if (consumer.hasRoom) return;
      full ??= consumer;
    }
    full?.makeRoom(entry.priority, entry.readySince);
  }

  #wakeConsumersOf(queue: QueueState): void {
    if (this.#closed) return;
    for (const consumer of queue.consumers) {
      if (consumer.hasRoom) this.#hungry.add(consumer);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#hungry.size === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#dispatch());
  }

  /**
   * Hands out messages one at a time to hungry consumers in turn: a
   * consumer that got one moves to the back of the line, and takes from
   * its queues in turn, so neither consumers sharing a queue nor queues
   * sharing a consumer starve. A consumer leaves the line once it is full
   * or all its queues are empty; a freed slot or a new message puts it back.
   */
  #dispatch(): void {
    this.#scheduled = false;
    let budget = DELIVERIES_PER_TURN;
    // One clock read per pass: the priority aging needs no finer time.
    const wallNow = Date.now();
    for (const consumer of this.#hungry) {
      if (this.#closed) return;
      const queue = consumer.hasRoom ? consumer.nextQueue() : undefined;
      const entry = queue?.take(wallNow);
      this.#hungry.delete(consumer);
      if (entry === undefined) continue;
      this.#hungry.add(consumer); // to the back of the line
      queue!.servedBy(consumer); // and woken last when a message next finds the queue empty
      entry.deliveries++;
      const delivery = new InProcessDelivery(entry, entry.deliveries, this);
      entry.current = delivery;
      this.#clock.track(entry);
      consumer.run(delivery);
      if (--budget === 0) break;
    }
    this.#schedule();
  }
}
