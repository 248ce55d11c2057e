import { DEFAULT_PRIORITY } from "../../task/priority.js";
import type { Kysely } from "kysely";
import { MAX_GROUP_MEMBERS, type GatherError, type GroupCounts, type GroupRecord, type InsertedGroup } from "../group-record.js";
import type { GroupStore } from "../group-store.js";
import { InvalidListQueryError, InvalidTaskIdError } from "../store-errors.js";
import { isUuid } from "../../task/uuid.js";
import type { Database } from "./database.js";
import {
  countGroupMemberRows,
  insertGroupMemberRows,
  insertGroupRow,
  selectGatherInputRow,
  selectGroupMemberRows,
  selectGroupRow,
  selectGroupRowByKey,
  updateGroupCancelled,
} from "./groups.repository.js";
import type { TaskGroupRow } from "./task-groups.table.js";

/** Members per insert statement: a bounded statement, many of them in the one transaction. */
const MEMBERS_PER_STATEMENT = 1000;

/** The GroupStore over a migrated Kysely database (Postgres or PGlite): the same SQL on both. */
export function createGroupStoreOnKysely(db: Kysely<Database>): GroupStore {
  return {
    async insertGroup(group, members): Promise<InsertedGroup> {
      if (members.length === 0 || members.length > MAX_GROUP_MEMBERS) {
        throw new RangeError(`insertGroup: a group has 1 to ${MAX_GROUP_MEMBERS} members, got ${members.length}`);
      }
      if (!isUuid(group.id)) throw new InvalidTaskIdError(group.id);
      for (const m of members) if (!isUuid(m.id)) throw new InvalidTaskIdError(m.id);
      return db.transaction().execute(async (trx) => {
        const row = await insertGroupRow(trx, group, members.length);
        if (!row) {
          // The key was used: the earlier group, committed before our insert returned (the unique index waited for it).
          const earlier = await selectGroupRowByKey(trx, group.owner, group.idempotencyKey ?? "");
          if (!earlier) throw new Error(`group ${group.id} was neither inserted nor found by its idempotency key`);
          return { group: groupRowToRecord(earlier), existing: true };
        }
        for (let first = 0; first < members.length; first += MEMBERS_PER_STATEMENT) {
          await insertGroupMemberRows(trx, { groupId: group.id, firstIndex: first, members: members.slice(first, first + MEMBERS_PER_STATEMENT) });
        }
        return { group: groupRowToRecord(row), existing: false };
      });
    },

    async getGroup(id) {
      if (!isUuid(id)) return undefined;
      const row = await selectGroupRow(db, id);
      return row && groupRowToRecord(row);
    },

    async groupCounts(id) {
      const counts: GroupCounts = { PENDING: 0, STARTED: 0, RETRY: 0, SUCCESS: 0, FAILURE: 0, REVOKED: 0 };
      if (!isUuid(id)) return counts;
      for (const r of await countGroupMemberRows(db, id)) counts[r.status] = r.n;
      return counts;
    },

    async listGroupMembers(id, afterIndex, limit) {
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidListQueryError(`limit must be an integer in 1..1000, got ${limit}`);
      if (!Number.isInteger(afterIndex) || afterIndex < -1) throw new InvalidListQueryError(`afterIndex must be a whole number >= -1, got ${afterIndex}`);
      if (!isUuid(id) || afterIndex >= MAX_GROUP_MEMBERS) return [];
      const rows = await selectGroupMemberRows(db, id, afterIndex, limit);
      return rows.map((r) => ({
        index: r.group_index,
        taskId: r.id,
        status: r.status,
        result: r.status === "SUCCESS" ? r.result : null,
        error: r.error ?? (r.status === "REVOKED" ? { type: "Revoked", message: "the member was cancelled" } : null),
      }));
    },

    async gatherInput(groupId) {
      const row = isUuid(groupId) ? await selectGatherInputRow(db, groupId) : undefined;
      if (!row) return { results: [], errors: [] };
      return { results: row.results, errors: row.errors as unknown as GatherError[] };
    },

    async setGroupCancelled(id, cancelled) {
      if (!isUuid(id)) return undefined;
      const row = (await updateGroupCancelled(db, id, cancelled)) ?? (await selectGroupRow(db, id));
      return row && groupRowToRecord(row);
    },
  };
}

/** A `task_groups` row as the store's record. */
export function groupRowToRecord(row: TaskGroupRow): GroupRecord {
  return {
    id: row.id,
    type: row.type,
    owner: row.owner,
    total: row.total,
    remaining: row.remaining,
    failed: row.failed,
    cancelled: row.cancelled,
    status: row.status,
    maxRetries: row.max_retries,
    timeoutMs: row.timeout_ms,
    idempotencyKey: row.idempotency_key,
    gather:
      row.gather_type !== null && row.gather_queue !== null
        ? {
            type: row.gather_type,
            queue: row.gather_queue,
            args: row.gather_args ?? {},
            permission: row.gather_permission,
            maxRetries: row.gather_max_retries,
            timeoutMs: row.gather_timeout_ms,
            priority: row.gather_priority ?? DEFAULT_PRIORITY,
          }
        : null,
    gatherTaskId: row.gather_task_id,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
