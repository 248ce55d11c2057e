import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { GroupService, type Group } from "../gen/tstasks/v1/group_service_pb.js";
import { groupFromProto, groupMemberFromProto, type GatherSpec, type GroupInfo, type GroupMemberInfo } from "./group-info.js";
import { newIdempotencyKey } from "./idempotency-key.js";
import type { CallHelpers } from "./schedules-client.js";

/** What `groups.submit` takes: one task type over many argument sets, and optionally a gather task. */
export interface GroupSpec {
  /** The members' task type, e.g. "test.main.add". */
  type: string;
  /** One argument set per member (1 to 100,000). */
  members: readonly Record<string, unknown>[];
  /** Retries of each member (default: the type's). */
  maxRetries?: number;
  /** One attempt's limit in ms for each member (default: the type's). */
  timeoutMs?: number;
  /**
   * Submitting the same key again (same token) answers the first group. A
   * fresh key is made when absent, so a submit that met `Unavailable` is
   * retried without ever storing the group twice.
   */
  idempotencyKey?: string;
  /** The task that runs once every member is final, with their results. */
  gather?: GatherSpec;
}

/** One page of `groups.get`. */
export interface GroupPage {
  group: GroupInfo;
  /** Members in index order. */
  members: GroupMemberInfo[];
  /** Pass as `pageToken` for the next page; "" on the last. */
  nextPageToken: string;
}

/**
 * `client.groups`: GroupService (fan-out / fan-in). Ownership is as for
 * tasks: a group submitted with a token is that user's (others get NotFound);
 * an anonymous group is anyone's who has its id. Reads are retried on
 * `Unavailable`, and so is submit (it always carries an idempotency key).
 */
export interface GroupsClient {
  /**
   * Submits a group: every member is validated as `submit` validates a task
   * (InvalidArgument naming the member, e.g. `members[17].x`), stored and
   * queued; answers the group as stored.
   */
  submit(spec: GroupSpec, options?: { signal?: AbortSignal }): Promise<GroupInfo>;
  /** The group and one page of members (default 100, at most 1000), in index order. */
  get(id: string, options?: { pageSize?: number; pageToken?: string; signal?: AbortSignal }): Promise<GroupPage>;
  /**
   * The group as it changes (counts, progress, status), until it and its
   * gather task are final; ends early when `signal` aborts.
   */
  watch(id: string, options?: { signal?: AbortSignal }): AsyncIterable<GroupInfo>;
  /** Every member in index order, page by page (with its result once final). */
  results(id: string, options?: { pageSize?: number; signal?: AbortSignal }): AsyncIterable<GroupMemberInfo>;
  /** Revokes every unfinished member (and an unfinished gather task): the group ends REVOKED. Not retried. */
  cancel(id: string, options?: { signal?: AbortSignal }): Promise<{ cancelled: number; skipped: number }>;
  /** Requeues the FAILURE and REVOKED members; the gather runs again once every member is final. Not retried. */
  retry(id: string, options?: { signal?: AbortSignal }): Promise<{ retried: number; skipped: number }>;
}

function groupOf(response: { group?: Group }): GroupInfo {
  if (!response.group) throw new ConnectError("the server answered without a group", Code.Internal);
  return groupFromProto(response.group);
}

/** The {@link GroupsClient} over `transport`. */
export function createGroupsClient(transport: Transport, { call, safely }: CallHelpers): GroupsClient {
  const groups = createClient(GroupService, transport);
  const get: GroupsClient["get"] = async (id, o = {}) => {
    const response = await safely(() => groups.getGroup({ id, pageSize: o.pageSize ?? 0, pageToken: o.pageToken ?? "" }, call(o.signal)), o.signal);
    return { group: groupOf(response), members: response.members.map(groupMemberFromProto), nextPageToken: response.nextPageToken };
  };
  return {
    async submit(spec, o = {}) {
      const request = {
        type: spec.type,
        members: spec.members as never,
        maxRetries: spec.maxRetries,
        timeoutMs: spec.timeoutMs ?? 0,
        idempotencyKey: spec.idempotencyKey ?? newIdempotencyKey(),
        gather: spec.gather
          ? { type: spec.gather.type, args: (spec.gather.args ?? {}) as never, maxRetries: spec.gather.maxRetries, timeoutMs: spec.gather.timeoutMs ?? 0 }
          : undefined,
      };
      return groupOf(await safely(() => groups.submitGroup(request, call(o.signal)), o.signal));
    },
    get,
    async *watch(id, o = {}) {
      // A stream has no deadline: it lasts as long as the group runs.
      for await (const event of groups.watchGroup({ id }, { signal: o.signal })) {
        if (event.group) yield groupFromProto(event.group);
      }
    },
    async *results(id, o = {}) {
      let pageToken = "";
      do {
        const page = await get(id, { pageSize: o.pageSize ?? 1000, pageToken, signal: o.signal });
        yield* page.members;
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    },
    async cancel(id, o = {}) {
      const { cancelled, skipped } = await groups.cancelGroup({ id }, call(o.signal));
      return { cancelled, skipped };
    },
    async retry(id, o = {}) {
      const { retried, skipped } = await groups.retryGroup({ id }, call(o.signal));
      return { retried, skipped };
    },
  };
}
