/** The fields every log line about a task carries (the worker's name comes from the logger's bindings). */
export interface TaskLogFields {
  taskId: string;
  /** The task type, e.g. `test.main.add`; absent when the caller does not know it. */
  type?: string;
  /** The attempt the line is about; absent before the task is claimed. */
  attempt?: number;
}

/**
 * The fields of a line about a task, for `log.warn({ ...taskFields(…), err }, "…")`.
 * Merged into the line rather than bound with `log.child(…)`: a child per
 * task would cost the hot path (thousands of tasks a second) for lines that
 * are mostly never written.
 */
export function taskFields(taskId: string, type: string | undefined, attempt?: number): TaskLogFields {
  const fields: TaskLogFields = { taskId };
  if (type !== undefined) fields.type = type;
  if (attempt !== undefined) fields.attempt = attempt;
  return fields;
}
