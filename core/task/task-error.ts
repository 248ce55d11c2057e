/**
 * The structured error stored with a FAILURE and shown to clients:
 * `type` is a short kind (the thrown error's name, or one of ours such as
 * "UnknownTaskType"), `message` says what happened.
 */
export interface TaskErrorInfo {
  type: string;
  message: string;
}

/** One failed attempt's error, as kept in a task's `errors` list. */
export interface AttemptError extends TaskErrorInfo {
  /** The attempt that failed (1 for the first). */
  attempt: number;
}

/**
 * Throw this from a task's `run` when trying again cannot help (bad input,
 * a permanent refusal). The task fails at once, whatever its retry policy.
 */
export class NonRetryableError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NonRetryableError";
  }
}

/** Turns anything a task threw into the stored error shape. */
export function toTaskErrorInfo(thrown: unknown): TaskErrorInfo {
  if (thrown instanceof Error) {
    return { type: thrown.name || "Error", message: thrown.message };
  }
  return { type: "Error", message: typeof thrown === "string" ? thrown : JSON.stringify(thrown) ?? String(thrown) };
}
