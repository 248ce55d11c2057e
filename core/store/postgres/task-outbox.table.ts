/**
 * The `task_outbox` table: one row per task whose message the queue may not
 * have yet (see the create-task-outbox migration).
 */
export interface TaskOutboxTable {
  task_id: string;
  /** When the dispatcher may queue it (held rows), or when the submit that publishes it began (others). */
  due_at: Date;
  /** A later run_at or a parked task: only the dispatcher queues it, when due_at comes. */
  held: boolean;
}
