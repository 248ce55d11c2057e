/** The fields {@link mayFollowUp} looks at: a queue message or a task record has them. */
export interface FollowUpSource {
  groupId?: string | null;
  chainId?: string | null;
}

/**
 * Whether a task's final outcome may create a follow-up task in the store
 * (a group member, whose outcome may be the last one and insert the
 * group's gather task; a chain step, whose success inserts the next step). After recording such an outcome the worker asks the
 * outbox to queue due follow-ups at once rather than on the dispatcher's next
 * tick (see worker/follow-up-kick.ts). The one place to extend when other
 * kinds of follow-up appear.
 */
export function mayFollowUp(task: FollowUpSource): boolean {
  return (typeof task.groupId === "string" && task.groupId !== "") || (typeof task.chainId === "string" && task.chainId !== "");
}
