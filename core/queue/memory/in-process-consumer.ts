import type { Consumer, Delivery } from "../task-queue.js";
import type { Logger } from "../../log/logger.js";
import type { InProcessDelivery } from "./in-process-delivery.js";
import type { QueueState } from "./queue-state.js";

/** What a consumer tells the broker. */
export interface ConsumerOwner {
  /** A slot became free: offer it messages from the consumer's queues. */
  consumerHasRoom(consumer: InProcessConsumer): void;
  /** The consumer stopped taking messages: forget it. */
  detach(consumer: InProcessConsumer): void;
}

/**
 * One `consume()` call. The broker hands it a delivery only when it has
 * a free slot, so it never holds messages it has not started: whatever
 * it did not take stays queued for other consumers.
 */
export class InProcessConsumer implements Consumer {
  readonly queues: readonly QueueState[];
  readonly #concurrency: number;
  readonly #handler: (delivery: Delivery) => Promise<void>;
  readonly #owner: ConsumerOwner;
  readonly #log: Logger;
  readonly #makeRoom: ((priority: number, readySince: number) => void) | undefined;
  #inFlight = 0;
  /** Where the search for a queue with a waiting message starts, so queues take turns. */
  #turn = 0;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  /**
   * @param concurrency most handlers at once; an integer ≥ 1.
   * @param log where a handler that throws is reported (error, with the task id).
   * @param makeRoom see ConsumeOptions.makeRoom.
   * @throws RangeError for any other concurrency.
   */
  constructor(
    queues: readonly QueueState[],
    concurrency: number,
    handler: (delivery: Delivery) => Promise<void>,
    owner: ConsumerOwner,
    log: Logger,
    makeRoom?: (priority: number, readySince: number) => void,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
    }
    this.queues = queues;
    this.#concurrency = concurrency;
    this.#handler = handler;
    this.#owner = owner;
    this.#log = log;
    this.#makeRoom = makeRoom;
  }

  /** A message of `priority` waits for a slot here: the handler may hand back a lower delivery (see ConsumeOptions.makeRoom). */
  makeRoom(priority: number, readySince: number): void {
    if (!this.#stopping) this.#makeRoom?.(priority, readySince);
  }

  /** Deliveries whose handler is running. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True when it takes messages and has a free slot. */
  get hasRoom(): boolean {
    return !this.#stopping && this.#inFlight < this.#concurrency;
  }

  /**
   * The next of its queues, in turn, that has a message waiting; undefined
   * when all are empty.
   */
  nextQueue(): QueueState | undefined {
    const n = this.queues.length;
    for (let k = 0; k < n; k++) {
      const i = (this.#turn + k) % n;
      const queue = this.queues[i]!;
      if (queue.hasWaiting()) {
        this.#turn = (i + 1) % n;
        return queue;
      }
    }
    return undefined;
  }

  /** Runs the handler for a delivery; the caller checked {@link hasRoom}. */
  run(delivery: InProcessDelivery): void {
    this.#inFlight++;
    void this.#handle(delivery);
  }

  stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#stopping = true;
    this.#owner.detach(this);
    this.#stopped =
      this.#inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#idle = resolve));
    return this.#stopped;
  }

  async #handle(delivery: InProcessDelivery): Promise<void> {
    try {
      await this.#handler(delivery);
    } catch (err) {
      // Same as the JetStream adapter: a crash hands the message back at once.
      this.#log.error({ err, taskId: delivery.message.id, type: delivery.message.type }, "handler failed; the message goes back to the queue");
      if (!delivery.settled) delivery.nak();
    } finally {
      this.#inFlight--;
      if (this.#stopping) {
        if (this.#inFlight === 0) this.#idle?.();
      } else {
        this.#owner.consumerHasRoom(this);
      }
    }
  }
}
