import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { Consumer, Delivery } from "../task-queue.js";
import { JetStreamDelivery } from "./jetstream-delivery.js";
import { ensureQueueConsumer, ensureStream, isStreamNotFound } from "./jetstream-setup.js";
import { Slots } from "../../concurrency/slots.js";
import { asTaskMessage } from "./task-message-parse.js";
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
  handler: (delivery: Delivery) => Promise<void>;
  /** Called once when {@link JetStreamConsumer.stop} has finished. */
  onStopped: () => void;
  /** Where outages, restarts and failed handlers are reported. */
  log: Logger;
}

/** One `consume()` call on one queue's durable consumer. */
interface PullSession {
  readonly queue: string;
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
 * Runs one pull loop per queue over the queues' shared durable consumers
 * and hands deliveries to `handler`, at most `concurrency` at once across
 * all queues.
 *
 * Backpressure: the library sends its next pull request only as its
 * iterator is advanced, and a loop advances only after it got a slot for
 * the message in hand, so a busy worker stops asking for more.
 *
 * Recovery: a loop whose consumer or stream vanished, whose heartbeats
 * stopped while it waited, or whose connection came back ({@link restart})
 * closes its session and opens a new one, re-creating the consumer if need
 * be, retrying with backoff until {@link stop}.
 */
export class JetStreamConsumer implements Consumer {
  readonly #settings: JetStreamConsumerSettings;
  readonly #slots: Slots;
  readonly #sessions = new Set<PullSession>();
  readonly #loops: Promise<void>[] = [];
  readonly #abort = new AbortController();
  #stopping = false;
  #stopped: Promise<void> | undefined;

  constructor(settings: JetStreamConsumerSettings) {
    this.#settings = settings;
    this.#slots = new Slots(settings.concurrency);
  }

  /** Deliveries whose handler is running (or about to start). */
  get inFlight(): number {
    return this.#slots.used;
  }

  /** Starts one pull loop per queue. Call once. */
  start(): void {
    for (const queue of this.#settings.queues) this.#loops.push(this.#runQueue(queue));
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

  async #runQueue(queue: string): Promise<void> {
    let failures = 0;
    // Sessions in a row that ended on a problem before getting any message:
    // back off so a persistent problem does not spin.
    let fruitless = 0;
    while (!this.#stopping) {
      let session: PullSession;
      try {
        session = await this.#open(queue);
      } catch (err) {
        if (this.#stopping) break;
        failures++;
        // One line per outage, not one per retry.
        if (failures === 1) this.#settings.log.warn({ err, queue }, `consumer for queue ${queue} cannot start, retrying`);
        await waitBeforeRetry(failures, this.#abort.signal);
        continue;
      }
      if (failures > 0) this.#settings.log.warn({ queue, failures }, `consumer for queue ${queue} started after ${failures} failed attempts`);
      failures = 0;
      const error = await this.#pump(session);
      this.#sessions.delete(session);
      if (this.#stopping) break;
      if (!session.ending) {
        // The library ended the iterator by itself (e.g. a 400 from the server).
        this.#settings.log.warn({ err: error, queue }, `consumer for queue ${queue} ended unexpectedly, restarting`);
        session.problem = "ended";
      }
      if (session.problem === undefined) continue;
      fruitless = session.received > 0 ? 0 : fruitless + 1;
      if (fruitless > 0) await waitBeforeRetry(fruitless, this.#abort.signal);
    }
  }

  /** Ensures the durable consumer (and, if gone, the stream) and starts pulling. */
  async #open(queue: string): Promise<PullSession> {
    const { js, jsm, streamName, subjectPrefix, ackWaitMs, replicas, concurrency } = this.#settings;
    const consumerSettings = { streamName, subjectPrefix, queue, ackWaitMs };
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
      // their ack-wait clock ticking.
      max_messages: concurrency,
      expires: PULL_EXPIRES_MS,
      idle_heartbeat: IDLE_HEARTBEAT_MS,
    });
    const session: PullSession = { queue, messages, ending: false, idleSince: undefined, problem: undefined, received: 0 };
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
        const granted = !session.ending && (await this.#slots.acquire());
        if (!granted || session.ending) {
          if (granted) this.#slots.release();
          this.#abandon(msg, iterator);
          return undefined;
        }
        this.#dispatch(msg);
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

  /** Starts the handler for a message that holds a slot; releases the slot when done. */
  #dispatch(msg: JsMsg): void {
    let message;
    try {
      message = asTaskMessage(msg.json());
    } catch {
      message = undefined;
    }
    if (message === undefined) {
      // Redelivering cannot fix a bad payload.
      msg.term();
      this.#slots.release();
      this.#settings.log.error({ seq: msg.seq, subject: msg.subject }, `terminated malformed message #${msg.seq} on ${msg.subject}`);
      return;
    }
    if (tracingEnabled()) {
      // The publish span's context, for the worker's run span (read only when tracing: a header lookup per message).
      const trace = carrierFrom((name) => msg.headers?.get(name) || undefined);
      if (trace !== undefined) message.trace = trace;
    }
    void this.#run(new JetStreamDelivery(msg, message));
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
