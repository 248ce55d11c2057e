/**
 * What a running task gets besides its arguments.
 */
export interface TaskContext {
  /** The task's id (a UUID). */
  readonly taskId: string;
  /** The task's type, e.g. "test.main.add". */
  readonly type: string;
  /** 1 on the first attempt, 2 on the first retry, and so on. */
  readonly attempt: number;
  /**
   * Aborted when the task should stop: the worker shuts down, or (later)
   * the task is cancelled or times out. Long tasks should check it.
   */
  readonly signal: AbortSignal;
  /** Name of the worker running the task. */
  readonly worker: string;
}
