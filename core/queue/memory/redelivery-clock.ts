import { performance } from "node:perf_hooks";
import { DelayHeap } from "./delay-heap.js";
import type { MessageEntry } from "./message-entry.js";

/** What the clock reports to its owner. */
export interface RedeliveryClockEvents {
  /** A delivery was neither settled nor extended within the ack wait. */
  ackWaitExpired(entry: MessageEntry): void;
  /** A nak delay is over. */
  delayOver(entry: MessageEntry): void;
}

/**
 * The two kinds of deadlines of the in-process queue, on one shared,
 * unref'd timer (no timer per message):
 *
 * - Ack waits all have the same length, so deadlines arrive in the order
 *   they were set: an insertion-ordered Map is a queue sorted by deadline,
 *   with O(1) track, extend (delete + re-insert at the tail) and untrack.
 * - Nak delays vary, so they sit in a min-heap.
 *
 * The timer is armed for the earliest deadline; it may fire for a
 * deadline that was since extended or cleared, and then simply re-arms.
 */
export class RedeliveryClock {
  readonly #ackWaitMs: number;
  readonly #events: RedeliveryClockEvents;
  readonly #ackDeadlines = new Map<MessageEntry, number>();
  readonly #delays = new DelayHeap<MessageEntry>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #stopped = false;

  constructor(ackWaitMs: number, events: RedeliveryClockEvents) {
    this.#ackWaitMs = ackWaitMs;
    this.#events = events;
  }

  /** Starts, or restarts, the ack wait of `entry`'s current delivery. */
  track(entry: MessageEntry): void {
    const deadline = performance.now() + this.#ackWaitMs;
    this.#ackDeadlines.delete(entry);
    this.#ackDeadlines.set(entry, deadline);
    this.#arm(deadline);
  }

  /** Ends the ack wait of `entry` (it was settled). */
  untrack(entry: MessageEntry): void {
    this.#ackDeadlines.delete(entry);
  }

  /** Reports `entry` through `delayOver` after `delayMs`. */
  delay(entry: MessageEntry, delayMs: number): void {
    const at = performance.now() + delayMs;
    this.#delays.push(at, entry);
    this.#arm(at);
  }

  /** Clears the timer and every deadline; nothing is reported afterwards. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ackDeadlines.clear();
    this.#delays.clear();
  }

  #arm(at: number): void {
    if (this.#stopped || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // Timers may fire a little early; #fire re-arms for what is not due yet.
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(at - performance.now())));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [entry, deadline] of this.#ackDeadlines) {
      if (deadline > now) {
        next = deadline;
        break;
      }
      this.#ackDeadlines.delete(entry);
      this.#events.ackWaitExpired(entry);
    }
    for (let entry = this.#delays.popDue(now); entry !== undefined; entry = this.#delays.popDue(now)) {
      this.#events.delayOver(entry);
    }
    this.#arm(Math.min(next, this.#delays.nextAt));
  }
}
