import type { GatherInput, GroupCounts, GroupMemberRecord, GroupRecord, InsertedGroup, NewGroup, NewGroupMember } from "./group-record.js";

/**
 * The store's part for groups (fan-out / fan-in); TaskStore extends it, so
 * both backends (Postgres, PGlite) implement it with the same SQL. The
 * counters, the group's final status and the gather task are kept by the
 * store itself on every member's status change, whoever makes it (see the
 * create-groups migration).
 */
export interface GroupStore {
  /**
   * Stores the group and all its members (PENDING, each with its outbox
   * row, as insertTasks stores tasks) in ONE transaction: all or nothing.
   * Members are inserted in multi-row statements of at most 1000 rows; a
   * member's index is its position in `members`. When the group's (owner,
   * idempotency key) exists already, nothing is inserted and the earlier
   * group is answered with `existing: true`.
   * @throws InvalidTaskIdError when an id is not a UUID; RangeError for 0 or
   *   more than MAX_GROUP_MEMBERS members.
   */
  insertGroup(group: NewGroup, members: readonly NewGroupMember[]): Promise<InsertedGroup>;

  /** One group, or undefined when the id is unknown (or not a UUID). */
  getGroup(id: string): Promise<GroupRecord | undefined>;

  /** How many of the group's members are in each status (every status present, 0 when none). */
  groupCounts(id: string): Promise<GroupCounts>;

  /**
   * Up to `limit` (1..1000) members whose index is greater than `afterIndex`
   * (-1: from the first), in index order.
   */
  listGroupMembers(id: string, afterIndex: number, limit: number): Promise<GroupMemberRecord[]>;

  /**
   * A gather task's input, read in one query: every member's result (null
   * unless SUCCESS) in index order, and the error of each that did not
   * succeed. A member deleted by result retention counts as failed ("Deleted").
   */
  gatherInput(groupId: string): Promise<GatherInput>;

  /**
   * Marks the group cancelled (before its members are revoked: it then ends
   * REVOKED and gathers nothing) or not (before a retry requeues members).
   * A cancel of a group that is final already changes nothing. Returns the
   * group after, or undefined for an unknown id.
   */
  setGroupCancelled(id: string, cancelled: boolean): Promise<GroupRecord | undefined>;
}
