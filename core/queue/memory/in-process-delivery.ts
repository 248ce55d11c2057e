import type { TaskMessage } from "../task-message.js";
import type { Delivery } from "../task-queue.js";
import type { MessageEntry } from "./message-entry.js";

/** What a delivery asks of the broker when it is settled or extended. */
export interface DeliveryOwner {
  /** Ack or term: the message is finished for good. */
  finish(entry: MessageEntry): void;
  /** Nak: deliver the message again, after `delayMs` if positive. */
  requeue(entry: MessageEntry, delivery: InProcessDelivery, delayMs: number): void;
  /** Working: restart the delivery's ack-wait. */
  extend(entry: MessageEntry, delivery: InProcessDelivery): void;
}

/**
 * One delivery of an in-process message. Only the first of ack/nak/term
 * counts. A delivery whose ack-wait ran out is stale: its nak and working
 * do nothing (the message is already on its way to someone else), while
 * its ack or term still finishes the message, as a late ack does on
 * JetStream.
 */
export class InProcessDelivery implements Delivery {
  readonly message: TaskMessage;
  readonly deliveryCount: number;
  readonly readySince: number;
  readonly #entry: MessageEntry;
  readonly #owner: DeliveryOwner;
  #settled = false;

  constructor(entry: MessageEntry, deliveryCount: number, owner: DeliveryOwner) {
    this.message = JSON.parse(entry.payload) as TaskMessage;
    this.deliveryCount = deliveryCount;
    this.readySince = entry.readySince;
    this.#entry = entry;
    this.#owner = owner;
  }

  /** True once ack, nak or term was called. */
  get settled(): boolean {
    return this.#settled;
  }

  ack(): void {
    if (this.#settle()) this.#owner.finish(this.#entry);
  }

  /** @param delayMs wait this long before redelivery; default: redeliver at once. */
  nak(delayMs?: number): void {
    if (this.#settle()) this.#owner.requeue(this.#entry, this, delayMs !== undefined && delayMs > 0 ? delayMs : 0);
  }

  term(): void {
    if (this.#settle()) this.#owner.finish(this.#entry);
  }

  working(): void {
    if (!this.#settled) this.#owner.extend(this.#entry, this);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
