import type { JsMsg } from "@nats-io/jetstream";
import type { TaskMessage } from "../task-message.js";
import type { Delivery } from "../task-queue.js";

/**
 * A {@link Delivery} backed by one JetStream message. Settling sends one
 * protocol message to the server without waiting for an answer (no round
 * trip per task); only the first of ack/nak/term counts.
 */
export class JetStreamDelivery implements Delivery {
  readonly message: TaskMessage;
  readonly #msg: JsMsg;
  #settled = false;

  constructor(msg: JsMsg, message: TaskMessage) {
    this.#msg = msg;
    this.message = message;
  }

  /** 1 on first delivery; counts redeliveries after nak or ack-wait expiry. */
  get deliveryCount(): number {
    return this.#msg.info.deliveryCount;
  }

  /** True once ack, nak or term was called. */
  get settled(): boolean {
    return this.#settled;
  }

  ack(): void {
    if (this.#settle()) this.#msg.ack();
  }

  /** @param delayMs wait this long before redelivery; default: redeliver at once. */
  nak(delayMs?: number): void {
    if (!this.#settle()) return;
    if (delayMs !== undefined && delayMs > 0) this.#msg.nak(Math.round(delayMs));
    else this.#msg.nak();
  }

  term(): void {
    if (this.#settle()) this.#msg.term();
  }

  working(): void {
    if (!this.#settled) this.#msg.working();
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
