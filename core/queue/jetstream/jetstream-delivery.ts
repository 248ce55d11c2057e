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

  /** See {@link Delivery.readySince}: the stream's time of the first publish, or `runAt` if later. */
  readonly readySince: number;

  constructor(msg: JsMsg, message: TaskMessage) {
    this.#msg = msg;
    this.message = message;
    this.readySince = readySinceOf(msg, message.runAt);
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

/**
 * Epoch ms since when a message has been due: the stream's timestamp of it
 * (kept across redeliveries) or its `runAt`, whichever is later.
 */
export function readySinceOf(msg: JsMsg, runAt: number | undefined): number {
  const stored = Number(msg.timestampNanos / 1_000_000n);
  return runAt !== undefined && runAt > stored ? runAt : stored;
}
