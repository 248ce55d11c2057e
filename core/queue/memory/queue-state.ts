import { Fifo } from "./fifo.js";
import type { InProcessConsumer } from "./in-process-consumer.js";
import type { MessageEntry } from "./message-entry.js";

/**
 * One named queue: its waiting messages and the consumers attached to it.
 * Like a JetStream work-queue consumer, messages wait here until some
 * consumer takes them, whether or not one is attached yet.
 *
 * Redeliveries (nak, ack-wait expiry) wait in their own FIFO that is served
 * before new messages, as JetStream serves its redelivery queue first.
 */
export class QueueState {
  readonly name: string;
  readonly #fresh = new Fifo<MessageEntry>();
  readonly #retries = new Fifo<MessageEntry>();
  readonly #consumers = new Set<InProcessConsumer>();

  constructor(name: string) {
    this.name = name;
  }

  /** Adds a newly published message at the tail. */
  enqueue(entry: MessageEntry): void {
    this.#fresh.push(entry);
  }

  /** Adds a message to deliver again, ahead of new ones. */
  requeue(entry: MessageEntry): void {
    this.#retries.push(entry);
  }

  /** True when a message is waiting (done entries at the heads are dropped on the way). */
  hasWaiting(): boolean {
    return this.#liveHead(this.#retries) !== undefined || this.#liveHead(this.#fresh) !== undefined;
  }

  /** Removes and returns the next message to deliver, or undefined. */
  take(): MessageEntry | undefined {
    if (this.#liveHead(this.#retries) !== undefined) return this.#retries.shift();
    if (this.#liveHead(this.#fresh) !== undefined) return this.#fresh.shift();
    return undefined;
  }

  /** Consumers attached to this queue. */
  get consumers(): ReadonlySet<InProcessConsumer> {
    return this.#consumers;
  }

  /** Lets `consumer` receive this queue's messages. */
  attach(consumer: InProcessConsumer): void {
    this.#consumers.add(consumer);
  }

  /**
   * `consumer` was just given a message of this queue: it goes to the back
   * of the attach order, which is the order consumers are woken in when a
   * message arrives at an empty queue. Otherwise the first consumer attached
   * would get every message that arrives one at a time.
   */
  servedBy(consumer: InProcessConsumer): void {
    if (!this.#consumers.delete(consumer)) return;
    this.#consumers.add(consumer);
  }

  /** Stops giving messages to `consumer`. */
  detach(consumer: InProcessConsumer): void {
    this.#consumers.delete(consumer);
  }

  /** The first entry of `fifo` that is not done, dropping done ones before it. */
  #liveHead(fifo: Fifo<MessageEntry>): MessageEntry | undefined {
    let head = fifo.peek();
    while (head !== undefined && head.done) {
      fifo.shift();
      head = fifo.peek();
    }
    return head;
  }
}
