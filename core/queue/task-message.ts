import type { JsonObject } from "../task/json.js";

/**
 * What travels on the queue for one task. It carries the arguments so a
 * worker can run without reading the store first; the store stays the
 * record (the worker's claim checks it).
 */
export interface TaskMessage {
  id: string;
  type: string;
  queue: string;
  args: JsonObject;
  /** Not to run before this time (epoch ms); absent: at once. */
  runAt?: number;
  /**
   * What the queue deduplicates on (JetStream's Nats-Msg-Id); absent: `id`.
   * A manual retry of a task sends a fresh one, since its first message's id
   * may still be inside the duplicate window.
   */
  dedupId?: string;
}
