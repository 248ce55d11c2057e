import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { Consumer, Delivery } from "../task-queue.js";
import { JetStreamDelivery } from "./jetstream-delivery.js";
import { ensureQueueConsumer, ensureStream, isStreamNotFound } from "./jetstream-setup.js";
import { PrioritySlots } from "../../concurrency/priority-slots.js";
import { asTaskMessage } from "./task-message-parse.js";
import { PRIORITY_LEVELS, queueConsumerName } from "./queue-subjects.js";
import { DEFAULT_PRIORITY } from "../../task/priority.js";
import type { TaskMessage } from "../task-message.js";
import type { Logger } from "../../log/logger.js";
import { waitBeforeRetry } from "./retry-delay.js";
import { carrierFrom } from "../../telemetry/trace-carrier.js";
import { tracingEnabled } from "../../telemetry/tracing-switch.js";

/**
 * Pull request lifetime and server heartbeat interval. These are the
 * library defaults, spelled out because the stall check below depends on
 * them.
 */
const PULL_EXPIRES_MS = 30_000;
const IDLE_HEARTBEAT_MS = 15_000;

/**
 * The library reports missed heartbeats whenever nothing arrived for a
 * while, including when we simply stopped asking (all slots busy). Only a
 * session that has been waiting for messages this long without any
 * heartbeat is really stalled.
 */
const STALL_AFTER_MS = 2 * IDLE_HEARTBEAT_MS;

/**
 * Messages one pull of a level other than 5 asks for, at most: a loop that
 * waits for a slot holds its pulled messages unstarted (their ack wait
 * running), so nine mostly idle levels must not each hoard a full batch.
 * Level 5, where default-priority work goes, keeps the full batch.
 */
export function levelBatch(priority: number, concurrency: number): number {
  return priority === DEFAULT_PRIORITY ? concurrency : Math.max(1, Math.ceil(concurrency / 8));
}

/** What a {@link JetStreamConsumer} needs from its queue. */
export interface JetStreamConsumerSettings {
  js: JetStreamClient;
  jsm: JetStreamManager;
  streamName: string;
  subjectPrefix: string;
  ackWaitMs: number;
  /** Stream replicas, for re-creating a stream the server lost. */
  replicas: number;
  queues: readonly string[];
  concurrency: number;
  /** See {@link PrioritySlots}: a waiting message moves up one level per this many ms. */
  priorityAgingMs: number;
  /** See {@link ConsumeOptions.makeRoom}. */
  makeRoom?: (priority: number, readySince: number) => void;
  handler: (delivery: Delivery) => Promise<void>;
  /** Called once when {@link JetStreamConsumer.stop} has finished. */
  onStopped: () => void;
  /** Where outages, restarts and failed handlers are reported. */
  log: Logger;
}

/** One `consume()` call on the durable consumer of one queue's priority level. */
interface PullSession {
  readonly queue: string;
  readonly priority: number;
  readonly messages: ConsumerMessages;
  /** Set once the session is being closed; its leftover messages are nak'ed. */
  ending: boolean;
  /** When the session started waiting for the next message; undefined while busy. */
  idleSince: number | undefined;
  /** Why it is ending, when a problem (not stop or reconnect) ended it. */
  problem: string | undefined;
  /** Messages it got; a session that got some counts as healthy. */
  received: number;
}

/**
 * Runs one pull loop per queue and priority level (ten per queue) over
 * their shared durable consumers (see queue-subjects.ts) and hands
 * deliveries to `handler`, at most `concurrency` at once across all queues
 * and levels.
 *
 * Backpressure: the library sends its next pull request only as its
 * iterator is advanced, and a loop advances only after it got a slot for
 * the message in hand, so a busy worker stops asking for more.
 *
 * Priorities: the slots are {@link PrioritySlots}, so when one frees, the
 * loop holding the message of highest effective priority (its level plus
 * one per aging step since the message was due) takes it; among equals the
 * message due first. A loop that has to wait first calls `makeRoom`, so the
 * handler may hand back a lower delivery it has not started.
 *
 * Recovery: a loop whose consumer or stream vanished, whose heartbeats
 * stopped while it waited, or whose connection came back ({@link restart})
 * closes its session and opens a new one, re-creating the consumer if need
 * be, retrying with backoff until {@link stop}.
 */
export class JetStreamConsumer implements Consumer {
  readonly #settings: JetStreamConsumerSettings;
  readonly #slots: PrioritySlots;
  readonly #sessions = new Set<PullSession>();
  readonly #loops: Promise<void>[] = [];
  readonly #abort = new AbortController();
  #stopping = false;
  #stopped: Promise<void> | undefined;

  constructor(settings: JetStreamConsumerSettings) {
    this.#settings = settings;
    this.#slots = new PrioritySlots(settings.concurrency, { agingMs: settings.priorityAgingMs });
  }

  /** Deliveries whose handler is running (or about to start). */
  get inFlight(): number {
    return this.#slots.used;
  }

  /** Starts one pull loop per queue and priority level. Call once. */
  start(): void {
    for (const queue of this.#settings.queues) {
      for (const priority of PRIORITY_LEVELS) this.#loops.push(this.#runQueue(queue, priority));
    }
  }

  /**
   * Closes every current session so its loop opens a fresh one; used after
   * a reconnect, when old pull requests are void and the server may have
   * lost the consumer. In-flight handlers are not affected.
   */
  restart(): void {
    for (const session of this.#sessions) this.#endSession(session, undefined);
  }

  stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#stopping = true;
    this.#abort.abort();
    this.#slots.close();
    for (const session of this.#sessions) this.#endSession(session, undefined);
    this.#stopped = (async () => {
      await Promise.all(this.#loops);
      await this.#slots.idle();
      this.#settings.onStopped();
    })();
    return this.#stopped;
  }

  async #runQueue(queue: string, priority: number): Promise<void> {
    // Log lines name the consumer: one per queue and level.
    const consumerName = queueConsumerName(queue, priority);
    let failures = 0;
    // Sessions in a row that ended on a problem before getting any message:
    // back off so a persistent problem does not spin.
    let fruitless = 0;
    while (!this.#stopping) {
      let session: PullSession;
      try {
        session = await this.#open(queue, priority);
      } catch (err) {
        if (this.#stopping) break;
        failures++;
        // One line per outage, not one per retry.
        if (failures === 1) this.#settings.log.warn({ err, queue, priority }, `consumer ${consumerName} for queue ${queue} cannot start, retrying`);
        await waitBeforeRetry(failures, this.#abort.signal);
        continue;
      }
      if (failures > 0) this.#settings.log.warn({ queue, priority, failures }, `consumer ${consumerName} for queue ${queue} started after ${failures} failed attempts`);
      failures = 0;
      const error = await this.#pump(session);
      this.#sessions.delete(session);
      if (this.#stopping) break;
      if (!session.ending) {
        // The library ended the iterator by itself (e.g. a 400 from the server).
        this.#settings.log.warn({ err: error, queue, priority }, `consumer ${consumerName} for queue ${queue} ended unexpectedly, restarting`);
        session.problem = "ended";
      }
      if (session.problem === undefined) continue;
      fruitless = session.received > 0 ? 0 : fruitless + 1;
      if (fruitless > 0) await waitBeforeRetry(fruitless, this.#abort.signal);
    }
  }

  /** Ensures the durable consumer (and, if gone, the stream) and starts pulling. */
  async #open(queue: string, priority: number): Promise<PullSession> {
    const { js, jsm, streamName, subjectPrefix, ackWaitMs, replicas, concurrency } = this.#settings;
    const consumerSettings = { streamName, subjectPrefix, queue, ackWaitMs, priority };
    let name: string;
    try {
      name = await ensureQueueConsumer(jsm, consumerSettings);
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      // The server lost its store (e.g. a fresh container): rebuild.
      await ensureStream(jsm, streamName, subjectPrefix, replicas);
      name = await ensureQueueConsumer(jsm, consumerSettings);
    }
    const consumer = await js.consumers.get(streamName, name);
    const messages = await consumer.consume({
      // About what we can run at once: more would sit in the buffer with
      // their ack-wait clock ticking (less for the levels other than 5).
      max_messages: levelBatch(priority, concurrency),
      expires: PULL_EXPIRES_MS,
      idle_heartbeat: IDLE_HEARTBEAT_MS,
    });
    const session: PullSession = { queue, priority, messages, ending: false, idleSince: undefined, problem: undefined, received: 0 };
    this.#sessions.add(session);
    this.#watch(session);
    if (this.#stopping) this.#endSession(session, undefined);
    return session;
  }

  /**
   * Feeds a session's messages to handlers until its iterator ends or the
   * session is ending.
   * @returns the error the iterator ended with, if any.
   */
  async #pump(session: PullSession): Promise<unknown> {
    const iterator = session.messages[Symbol.asyncIterator]();
    try {
      for (;;) {
        session.idleSince = Date.now();
        const next = await iterator.next();
        session.idleSince = undefined;
        if (next.done) return undefined;
        session.received++;
        const msg = next.value;
        const message = this.#parse(msg);
        if (message === undefined) continue;
        const delivery = new JetStreamDelivery(msg, message);
        const granted = !session.ending && (await this.#slot(session.priority, delivery.readySince));
        if (!granted || session.ending) {
          if (granted) this.#slots.release();
          this.#abandon(msg, iterator);
          return undefined;
        }
        void this.#run(delivery);
      }
    } catch (err) {
      return err;
    }
  }

  /**
   * Hands the message in hand back at once and leaves the iterator without
   * reading further. Reading on would run the library's queued refill
   * pulls after it unsubscribed, and the server (2.9) serves such pulls
   * into the void, hiding messages for a whole ack wait. Messages the
   * library had already buffered behind this one are dropped here and come
   * back after the ack wait.
   */
  #abandon(msg: JsMsg, iterator: AsyncIterator<JsMsg>): void {
    msg.nak();
    void iterator.return?.(undefined).catch(() => {});
  }

  /**
   * Takes a slot for a message of `priority` due since `readySince`: at once
   * when one is free, else after asking the handler to make room, in
   * priority order (see {@link PrioritySlots}).
   * @returns false when the consumer is stopping.
   */
  async #slot(priority: number, readySince: number): Promise<boolean> {
    if (this.#slots.tryAcquire()) return true;
    this.#settings.makeRoom?.(priority, readySince);
    return (await this.#slots.acquire(priority, readySince)) === "granted";
  }

  /**
   * The task message of a delivery, with its trace context when tracing; a
   * malformed one is terminated (redelivering cannot fix a bad payload) and
   * gives undefined.
   */
  #parse(msg: JsMsg): TaskMessage | undefined {
    let message;
    try {
      message = asTaskMessage(msg.json());
    } catch {
      message = undefined;
    }
    if (message === undefined) {
      msg.term();
      this.#settings.log.error({ seq: msg.seq, subject: msg.subject }, `terminated malformed message #${msg.seq} on ${msg.subject}`);
      return undefined;
    }
    if (tracingEnabled()) {
      // The publish span's context, for the worker's run span (read only when tracing: a header lookup per message).
      const trace = carrierFrom((name) => msg.headers?.get(name) || undefined);
      if (trace !== undefined) message.trace = trace;
    }
    return message;
  }

  async #run(delivery: JetStreamDelivery): Promise<void> {
    try {
      await this.#settings.handler(delivery);
    } catch (err) {
      this.#settings.log.error({ err, taskId: delivery.message.id, type: delivery.message.type }, "handler failed; the message goes back to the queue");
      if (!delivery.settled) delivery.nak();
    } finally {
      this.#slots.release();
    }
  }

  /** Ends the session when the library reports a state it will not leave by itself. */
  #watch(session: PullSession): void {
    void (async () => {
      for await (const status of session.messages.status()) {
        switch (status.type) {
          case "heartbeats_missed":
            if (session.idleSince !== undefined && Date.now() - session.idleSince >= STALL_AFTER_MS) {
              this.#endSession(session, `${status.count} heartbeats missed`);
            }
            break;
          case "consumer_deleted":
          case "consumer_not_found":
          case "stream_not_found":
          // The consumer is not there to answer pulls (e.g. re-created too early).
          case "no_responders":
            this.#endSession(session, status.type.replaceAll("_", " "));
            break;
          default:
            break;
        }
      }
    })().catch(() => {});
  }

  /**
   * Stops a session's pulling; its loop hands back the message it holds
   * and opens a new session unless stopping.
   */
  #endSession(session: PullSession, reason: string | undefined): void {
    if (session.ending) return;
    session.ending = true;
    session.problem = reason;
    if (reason !== undefined && !this.#stopping) {
      this.#settings.log.warn({ queue: session.queue, reason }, `restarting consumer for queue ${session.queue}: ${reason}`);
    }
    // Unsubscribes and wakes a loop that waits for the next message.
    void session.messages.close().catch(() => {});
  }
}
