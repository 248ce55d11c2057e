import { Fifo } from "./fifo.js";
import type { InProcessConsumer } from "./in-process-consumer.js";
import type { MessageEntry } from "./message-entry.js";
import { MAX_PRIORITY } from "../../task/priority.js";

/** The waiting messages of one priority level of a queue. */
interface Level {
  readonly fresh: Fifo<MessageEntry>;
  readonly retries: Fifo<MessageEntry>;
}

/**
 * One named queue: its waiting messages and the consumers attached to it.
 * Like a JetStream work-queue consumer, messages wait here until some
 * consumer takes them, whether or not one is attached yet.
 *
 * Priorities: one pair of FIFOs per level, as JetStream has one consumer
 * per level. {@link take} looks at each level's next message and hands out
 * the one of highest effective priority, its priority plus one per aging
 * step since it was due (`readySince`), as the JetStream consumer's
 * PrioritySlots do; among equals the one due first. Within a level,
 * redeliveries (nak, ack-wait expiry) wait in their own FIFO that is served
 * before new messages, as JetStream serves its redelivery queue first.
 */
export class QueueState {
  readonly name: string;
  readonly #agingMs: number;
  /** Index `priority - 1`. */
  readonly #levels: Level[] = Array.from({ length: MAX_PRIORITY }, () => ({ fresh: new Fifo(), retries: new Fifo() }));
  readonly #consumers = new Set<InProcessConsumer>();

  /** @param agingMs a waiting message moves up one level per this many ms since it was due. */
  constructor(name: string, agingMs: number) {
    this.name = name;
    this.#agingMs = agingMs;
  }

  /** Adds a newly published message at the tail of its level. */
  enqueue(entry: MessageEntry): void {
    this.#levels[entry.priority - 1]!.fresh.push(entry);
  }

  /** Adds a message to deliver again, ahead of its level's new ones. */
  requeue(entry: MessageEntry): void {
    this.#levels[entry.priority - 1]!.retries.push(entry);
  }

  /** True when a message is waiting (done entries at the heads are dropped on the way). */
  hasWaiting(): boolean {
    for (const level of this.#levels) {
      if (this.#liveHead(level.retries) !== undefined || this.#liveHead(level.fresh) !== undefined) return true;
    }
    return false;
  }

  /** Removes and returns the next message to deliver (see the class comment), or undefined. */
  take(now: number = Date.now()): MessageEntry | undefined {
    let best: Fifo<MessageEntry> | undefined;
    let bestEntry: MessageEntry | undefined;
    let bestRank = -Infinity;
    for (let i = this.#levels.length - 1; i >= 0; i--) {
      const level = this.#levels[i]!;
      let fifo = level.retries;
      let head = this.#liveHead(fifo);
      if (head === undefined) {
        fifo = level.fresh;
        head = this.#liveHead(fifo);
        if (head === undefined) continue;
      }
      const rank = head.priority + Math.floor(Math.max(0, now - head.readySince) / this.#agingMs);
      // Levels are visited highest first, so on a tie with an equally old message the higher level stays.
      if (rank > bestRank || (rank === bestRank && head.readySince < bestEntry!.readySince)) {
        best = fifo;
        bestEntry = head;
        bestRank = rank;
      }
    }
    return best?.shift();
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
