import type { PrioritySlots } from "../core/concurrency/priority-slots.js";
import { priorityOrDefault } from "../core/task/priority.js";
import type { Delivery } from "../core/queue/task-queue.js";

/**
 * Waits for a run slot for a delivery, ranked by its message's priority
 * (absent: 5) and aged from when it was due (`readySince`), so prefetched
 * deliveries start highest first, first in first out among equals.
 *
 * A delivery waiting here is not claimed yet. When the queue has a higher
 * message that no slot is left for, the worker's `makeRoom` displaces the
 * lowest waiter (PrioritySlots.displace): the caller hands it back (nak),
 * and the queue delivers the higher one in the slot that frees.
 *
 * @returns true with a slot held; false when the slots were closed (the
 *   worker is stopping) or the delivery was displaced.
 */
export async function waitForRunSlot(slots: PrioritySlots, delivery: Delivery): Promise<boolean> {
  return (await slots.acquire(priorityOrDefault(delivery.message.priority), delivery.readySince)) === "granted";
}
