import type { JsonObject } from "../task/json.js";
import type { TraceCarrier } from "../telemetry/trace-carrier.js";

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
  /**
   * The W3C trace context of the publish span, when tracing is on (see
   * core/telemetry/task-spans.ts): JetStream sends it as the `traceparent`
   * and `tracestate` message headers, not in the body; the in-process queue
   * keeps it here. Absent when tracing is off.
   */
  trace?: TraceCarrier;
  /** The group this task is a member of: its outcome may create a follow-up (see core/queue/follow-up.ts). */
  groupId?: string;
  /**
   * The group whose results this gather task gathers: the worker reads them
   * from the store at run time (not carried here, so a 100,000-member group
   * never makes a large message).
   */
  gatherOf?: string;
  /** The chain this task is a step of: its outcome may create the next step (see core/queue/follow-up.ts). */
  chainId?: string;
  /**
   * 1 to 10, 10 highest; absent: 5 (also for messages from before
   * priorities). Consumers start higher ones first (see
   * core/concurrency/priority-slots.ts); on JetStream it picks the subject.
   */
  priority?: number;
}
