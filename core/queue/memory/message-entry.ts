import type { InProcessDelivery } from "./in-process-delivery.js";
import type { QueueState } from "./queue-state.js";
import type { TaskMessage } from "../task-message.js";
import type { Delivery } from "../task-queue.js";

/**
 * One published message and where it stands. At any moment it is in
 * exactly one place: waiting in its queue, waiting out a nak delay, out
 * with one live delivery (`current`), or `done`. Structures that cannot
 * remove from the middle cheaply (FIFOs, the delay heap) keep done entries
 * and skip them when they reach the head.
 */
export interface MessageEntry {
  /**
   * The message as JSON, parsed afresh for each delivery: like a message
   * that went over the wire, it cannot be changed by the publisher after
   * `publish` or by a handler before a redelivery. It includes the
   * message's trace context (`trace`) when it has one: what JetStream sends
   * as headers travels here in the message itself.
   */
  readonly payload: string;
  readonly queue: QueueState;
  /** 1 to 10 (see {@link TaskMessage.priority}): the level it waits in. */
  readonly priority: number;
  /** Epoch ms since when it has been due: its publish, or its `runAt` if later (see {@link Delivery.readySince}). */
  readonly readySince: number;
  /** Deliveries so far; the next one gets `deliveries + 1`. */
  deliveries: number;
  /** Acked or terminated: never delivered again. */
  done: boolean;
  /** The delivery whose ack-wait is running, if the message is out. */
  current: InProcessDelivery | undefined;
}
