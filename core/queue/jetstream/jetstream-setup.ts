import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { ConsumerConfig, JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { queueConsumerName, queueSubject } from "./queue-subjects.js";

/** How long the stream remembers a Nats-Msg-Id to drop a repeated publish. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

/**
 * Most deliveries one queue's consumer keeps unacknowledged across all
 * workers; high so it never throttles many workers, finite so a bug that
 * forgets to ack stalls instead of eating memory.
 */
const MAX_ACK_PENDING = 10_000;

/** True when `err` is the JetStream API's "stream not found". */
export function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

/**
 * Makes sure the work-queue stream exists with file storage, subjects
 * `<prefix>.>`, a 2 min duplicate window and `replicas` copies (default 1;
 * 3 on a 3-node cluster survives the loss of one node). Creates it, or
 * updates the subjects and duplicate window when they differ, and raises
 * the replica count when it is lower; a higher count is left alone, so a
 * process started with the default never weakens a replicated stream.
 * Idempotent; safe when several processes race.
 *
 * @throws Error when a stream of that name exists with another retention
 *   or storage (the server cannot change those in place), or when the
 *   cluster has fewer servers than `replicas`.
 */
export async function ensureStream(jsm: JetStreamManager, streamName: string, subjectPrefix: string, replicas = 1): Promise<void> {
  const subjects = [`${subjectPrefix}.>`];
  const duplicateWindow = nanos(DUPLICATE_WINDOW_MS);
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(streamName)).config;
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    // Adding an identical stream again succeeds, so a lost race is harmless.
    await jsm.streams.add({
      name: streamName,
      subjects,
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: duplicateWindow,
      num_replicas: replicas,
    });
    return;
  }
  if (existing.retention !== RetentionPolicy.Workqueue || existing.storage !== StorageType.File) {
    throw new Error(
      `stream ${streamName} exists with retention ${existing.retention} and storage ${existing.storage}; ` +
        `tstasks needs workqueue + file: delete it or choose another stream name`,
    );
  }
  const sameSubjects = existing.subjects.length === 1 && existing.subjects[0] === subjects[0];
  const moreReplicas = replicas > (existing.num_replicas || 1);
  if (!sameSubjects || existing.duplicate_window !== duplicateWindow || moreReplicas) {
    await jsm.streams.update(streamName, {
      ...existing,
      subjects,
      duplicate_window: duplicateWindow,
      num_replicas: Math.max(replicas, existing.num_replicas || 1),
    });
  }
}

/** Settings of a queue's durable consumer. */
export interface QueueConsumerSettings {
  streamName: string;
  subjectPrefix: string;
  queue: string;
  ackWaitMs: number;
  /** The priority level whose messages it takes; absent: 5 (see queue-subjects.ts). */
  priority?: number;
}

/**
 * Makes sure the durable pull consumer of a queue's priority level exists
 * on the stream (`q-<queue>` filtered to `<prefix>.<queue>` for level 5,
 * `q<N>-<queue>` filtered to `<prefix>.<queue>.p<N>` for another level N:
 * see queue-subjects.ts), with explicit acks and the given ack
 * wait. Creates it, or updates the changeable settings when it exists
 * with others.
 *
 * @returns the consumer's name.
 */
export async function ensureQueueConsumer(jsm: JetStreamManager, settings: QueueConsumerSettings): Promise<string> {
  const name = queueConsumerName(settings.queue, settings.priority);
  const config: Partial<ConsumerConfig> = {
    durable_name: name,
    filter_subject: queueSubject(settings.subjectPrefix, settings.queue, settings.priority),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: -1,
    max_ack_pending: MAX_ACK_PENDING,
  };
  try {
    // Succeeds again when the consumer exists with the same config.
    await jsm.consumers.add(settings.streamName, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || isStreamNotFound(err)) throw err;
    // Exists with other settings (e.g. a new ack wait after a deploy).
    await jsm.consumers.update(settings.streamName, name, {
      ack_wait: config.ack_wait,
      max_deliver: config.max_deliver,
      max_ack_pending: config.max_ack_pending,
    }).catch((updateErr: unknown) => {
      throw new Error(`cannot create or update consumer ${name} on ${settings.streamName}`, {
        cause: new AggregateError([err, updateErr]),
      });
    });
  }
  return name;
}
