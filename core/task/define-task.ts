import type { z } from "zod";
import type { TaskContext } from "./task-context.js";

/** Options of a task definition; every field but `args` and `run` is optional. */
export interface TaskOptions<Args extends z.ZodType, Result> {
  /**
   * Schema of the argument object. Its JSON Schema is what the server
   * validates submissions against; the worker parses with it again before
   * `run`, so `run` receives exactly the inferred type.
   */
  args: Args;
  /** One line shown in `GET /tasks`. Default: empty. */
  description?: string;
  /**
   * Queue the task is sent to; only workers that load this task's pack
   * consume it. Letters, digits, `_` and `-`. Default: `"default"`.
   */
  queue?: string;
  /** True when submitting needs a token that allows this type. Default: false. */
  protected?: boolean;
  /** The work. Its return value must be JSON; it becomes the task's result. */
  run: (args: z.output<Args>, ctx: TaskContext) => Promise<Result> | Result;
}

/**
 * A task type: data plus a function. Its name is not part of the definition;
 * it comes from where the definition is exported: `<pack>.<module>.<export>`.
 */
export interface TaskDefinition<Args extends z.ZodType = z.ZodType, Result = unknown> {
  readonly kind: "tstasks.task";
  readonly args: Args;
  readonly description: string;
  readonly queue: string;
  readonly protected: boolean;
  readonly run: (args: z.output<Args>, ctx: TaskContext) => Promise<Result> | Result;
}

/** The argument type a definition accepts (for typed clients). */
export type TaskArgs<T> = T extends TaskDefinition<infer A, unknown> ? z.input<A> : never;

/** The result type a definition produces (for typed clients). */
export type TaskResult<T> = T extends TaskDefinition<z.ZodType, infer R> ? Awaited<R> : never;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Declares a task. Export the returned value from a module of a taskpack:
 *
 * ```ts
 * export const add = defineTask({
 *   args: z.object({ x: z.number().int(), y: z.number().int() }),
 *   run: ({ x, y }) => x + y,
 * });
 * ```
 * Throws when `queue` is not a valid queue name.
 */
export function defineTask<Args extends z.ZodType, Result>(options: TaskOptions<Args, Result>): TaskDefinition<Args, Result> {
  const queue = options.queue ?? "default";
  if (!QUEUE_NAME.test(queue)) {
    throw new Error(`queue "${queue}" is not valid: use 1 to 64 letters, digits, "_" or "-"`);
  }
  return Object.freeze({
    kind: "tstasks.task" as const,
    args: options.args,
    description: options.description ?? "",
    queue,
    protected: options.protected ?? false,
    run: options.run,
  });
}

/** True when `value` was made by {@link defineTask}. */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "tstasks.task";
}
