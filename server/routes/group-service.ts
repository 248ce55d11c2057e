import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { GroupService } from "../../gen/tstasks/v1/group_service_pb.js";
import type { GroupRecord } from "../../core/store/group-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { TaskEventBus } from "../../core/events/task-event-bus.js";
import type { MessageSource } from "../../core/queue/to-task-message.js";
import type { Logger } from "../../core/log/logger.js";
import { isUuid } from "../../core/task/uuid.js";
import { kClientAddress, type CallerResolver } from "../access/caller.js";
import { isAdmin, type Principal } from "../auth/principal.js";
import type { RateLimit } from "../auth/rate-limit.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import { GroupNotFoundError, RequestInvalidError } from "../errors/domain-errors.js";
import type { ServerTaskCounters } from "../metrics/task-counters.js";
import type { TaskSubmitter } from "../submit/task-submitter.js";
import { buildGroup } from "../groups/build-group.js";
import { groupMemberToProto, groupToProto } from "../groups/group-to-proto.js";
import { loadGroupView } from "../groups/load-group-view.js";
import { publishMembers } from "../groups/publish-members.js";
import { watchGroup } from "../groups/watch-group.js";
import { cancelMatching, DEFAULT_BULK_BATCH_SIZE, retryMatching, type BulkActionDeps } from "./bulk-actions.js";

/** What the group service needs. */
export interface GroupServiceDeps {
  store: TaskStore;
  catalog: TaskCatalog;
  /** Requeues retried members (as RetryTask does). */
  submitter: Pick<TaskSubmitter, "requeue">;
  /** Publishes members' messages (publishWithSpans on the queue). */
  publish: (sources: MessageSource[]) => Promise<void>;
  /** Who is calling (verified token or anonymous). */
  caller: CallerResolver;
  /** Submissions per principal (anonymous: per client address): a SubmitGroup call counts as one. */
  submitLimit: RateLimit;
  /** Tells workers a task was cancelled (so a running one aborts its signal). */
  publishCancel: (id: string) => Promise<void>;
  /** Cancel and retry publish the members' status changes, as the bulk actions do. */
  events: Pick<TaskEventBus, "publishEvents">;
  log: Logger;
  /** Counts submitted and revoked members (the server's metrics). Default: not counted. */
  counters?: Pick<ServerTaskCounters, "submitted" | "revoked">;
  /** Deepest nesting accepted in args. Default 32. */
  maxArgsDepth?: number;
  /** Members per batch (one transaction) of CancelGroup and RetryGroup, 1..10 000. Default 1000. */
  bulkBatchSize?: number;
  /** How often WatchGroup reads the store, in ms. Default 300. */
  watchPollMs?: number;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/**
 * The `tstasks.v1.GroupService` implementation (Connect, gRPC and REST call
 * the same object). Who may do what is as for tasks: anonymous callers may
 * submit groups of unprotected types, which anyone holding the id may then
 * read, watch, cancel or retry (as an anonymous task); an owned group is its
 * owner's (or an admin's): anyone else gets NotFound, as for an unknown id.
 */
export function createGroupService(deps: GroupServiceDeps): ServiceImpl<typeof GroupService> {
  const { store, caller } = deps;
  const rules = { catalog: deps.catalog, maxArgsDepth: deps.maxArgsDepth ?? 32 };
  const bulk: BulkActionDeps = {
    store,
    submitter: deps.submitter,
    publishCancel: deps.publishCancel,
    events: deps.events,
    counters: deps.counters,
    log: deps.log,
    batchSize: deps.bulkBatchSize ?? DEFAULT_BULK_BATCH_SIZE,
  };

  /** The group if it exists and the caller may see it; else GroupNotFoundError (never "forbidden"). */
  const findGroup = async (id: string, ctx: HandlerContext): Promise<GroupRecord> => {
    if (id === "") throw new RequestInvalidError("id is required", { id: "is required: the group's id" });
    const who = await caller(ctx);
    const group = isUuid(id) ? await store.getGroup(id.toLowerCase()) : undefined;
    if (!group || !maySeeGroup(group, who)) throw new GroupNotFoundError(id);
    return group;
  };

  return {
    async submitGroup(req, ctx) {
      const who = await caller(ctx);
      await deps.submitLimit.consume(who ? `sub:${who.sub}` : `ip:${ctx.values.get(kClientAddress)}`);
      const built = await buildGroup(req, who, rules);
      // All or nothing: the group row, every member and their outbox rows in one transaction.
      const inserted = await store.insertGroup(built.group, built.members);
      if (!inserted.existing) {
        for (const m of built.members) deps.counters?.submitted(m.type, m.queue);
        await publishMembers(inserted.group.id, built.members, { publish: deps.publish, store, log: deps.log });
        const counts = { PENDING: built.members.length, STARTED: 0, RETRY: 0, SUCCESS: 0, FAILURE: 0, REVOKED: 0 };
        return { group: groupToProto({ group: inserted.group, counts }) };
      }
      // A repeated key: the first group as it is now.
      return { group: groupToProto(await loadGroupView(store, inserted.group)) };
    },

    async getGroup(req, ctx) {
      if (req.pageSize < 0) throw new RequestInvalidError("page_size must not be negative", { page_size: "must not be negative" });
      const afterIndex = req.pageToken ? decodeMemberToken(req.pageToken) : -1;
      const group = await findGroup(req.id, ctx);
      const limit = Math.min(req.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const [view, members] = await Promise.all([loadGroupView(store, group), store.listGroupMembers(group.id, afterIndex, limit)]);
      const last = members.at(-1);
      return {
        group: groupToProto(view),
        members: members.map(groupMemberToProto),
        nextPageToken: members.length === limit && last && last.index < group.total - 1 ? encodeMemberToken(last.index) : "",
      };
    },

    async *watchGroup(req, ctx) {
      const group = await findGroup(req.id, ctx);
      for await (const view of watchGroup(store, group.id, { signal: ctx.signal, pollMs: deps.watchPollMs })) {
        yield { group: groupToProto(view) };
      }
    },

    async cancelGroup(req, ctx) {
      const group = await findGroup(req.id, ctx);
      // Marked first: whichever member ends last then finds the group cancelled, so no gather is made.
      await store.setGroupCancelled(group.id, true);
      const { matched, changed } = await cancelMatching(bulk, { filter: { groupId: group.id }, limit: 0 }, ctx.signal);
      // A gather made before the cancel (every member had ended) is cancelled too, if it has not run yet.
      const current = await store.getGroup(group.id);
      if (current?.gatherTaskId) {
        const revoked = await store.revokeTask(current.gatherTaskId);
        if (revoked.outcome === "revoked") {
          deps.publishCancel(revoked.record.id).catch((e: unknown) => deps.log.warn({ taskId: revoked.record.id, err: e }, "cancel notice not sent"));
          deps.events.publishEvents([{ kind: "status", taskId: revoked.record.id, status: "REVOKED", attempt: revoked.record.attempts }]);
        }
      }
      return { cancelled: changed, skipped: matched - changed };
    },

    async retryGroup(req, ctx) {
      const group = await findGroup(req.id, ctx);
      // Cleared first, so the group ends SUCCESS or FAILURE (and gathers) once the retried members end.
      await store.setGroupCancelled(group.id, false);
      const { matched, changed } = await retryMatching(bulk, { filter: { groupId: group.id }, limit: 0 }, ctx.signal);
      return { retried: changed, skipped: matched - changed };
    },
  };
}

/** As maySee for tasks: anonymous groups are anyone's who has the id; owned ones the owner's or an admin's. */
function maySeeGroup(group: GroupRecord, who: Principal | undefined): boolean {
  if (group.owner === null) return true;
  return who !== undefined && (who.sub === group.owner || isAdmin(who));
}

/** The opaque page token after member `index`. */
function encodeMemberToken(index: number): string {
  return Buffer.from(JSON.stringify({ after: index })).toString("base64url");
}

/** The member index a page token continues after; RequestInvalidError when it was not made by us. */
function decodeMemberToken(token: string): number {
  try {
    const { after } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after: unknown };
    if (typeof after === "number" && Number.isInteger(after) && after >= 0) return after;
  } catch {
    // Answered below.
  }
  throw new RequestInvalidError("page_token is not valid: pass next_page_token from the previous page", { page_token: "is not valid" });
}
