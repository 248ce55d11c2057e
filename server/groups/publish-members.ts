import type { NewGroupMember } from "../../core/store/group-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { MessageSource } from "../../core/queue/to-task-message.js";
import type { Logger } from "../../core/log/logger.js";

/** Members per publish (one pipelined batch of messages). */
export const MEMBERS_PER_PUBLISH = 1000;

/** What {@link publishMembers} needs. */
export interface PublishMembersDeps {
  /** Publishes messages (publishWithSpans on the server's queue); rejects when the queue refuses them. */
  publish: (sources: MessageSource[]) => Promise<void>;
  store: Pick<TaskStore, "markPublished">;
  log: Logger;
}

/**
 * Queues a stored group's members, batch by batch, and records each batch
 * as published (transactional outbox). At the first batch the queue refuses
 * it stops: the members are committed with their outbox rows, so the outbox
 * dispatcher queues the rest (the group is accepted all the same, as a task
 * whose publish failed). Returns how many members it queued.
 */
export async function publishMembers(groupId: string, members: readonly NewGroupMember[], deps: PublishMembersDeps): Promise<number> {
  let queued = 0;
  for (let first = 0; first < members.length; first += MEMBERS_PER_PUBLISH) {
    const batch = members.slice(first, first + MEMBERS_PER_PUBLISH).map((m): MessageSource => ({ ...m, groupId }));
    try {
      await deps.publish(batch);
    } catch (e) {
      deps.log.warn({ groupId, queued, err: e }, "group stored but not all members queued yet (the outbox dispatcher queues the rest)");
      return queued;
    }
    queued += batch.length;
    // Off the request's critical path in spirit, but awaited to keep one batch in flight: if it fails,
    // the dispatcher publishes the batch again and the queue's deduplication drops the copies.
    await deps.store.markPublished(batch.map((m) => m.id)).catch((e: unknown) =>
      deps.log.warn({ groupId, err: e }, "could not record that group members were queued (the dispatcher may queue them again; the queue drops the copies)"),
    );
  }
  return queued;
}
