import type { z } from "zod";
import { QUEUE_NAME_PATTERN } from "../queue/queue-name.js";
import type { BackoffOptions } from "./backoff.js";
import type { TaskContext } from "./task-context.js";
import { checkConcurrencyOptions, toRateLimit, type ConcurrencyOptions, type RateLimit, type RateLimitOptions } from "./task-limits.js";
import { DEFAULT_PRIORITY, isPriority, MAX_PRIORITY, MIN_PRIORITY } from "./priority.js";

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
  /**
   * Attempts after the first when `run` throws (NonRetryableError fails at
   * once). A submission may override it (0 to 25). Default: 0.
   */
  retries?: number;
  /** Wait between attempts. Default: 1 s, doubling, at most 60 s, with jitter. */
  backoff?: BackoffOptions;
  /**
   * Time limit of one attempt in ms (a submission may override it). When it
   * passes, the task's signal is aborted and the attempt ends FAILURE
   * DeadlineExceeded; a task that ignores its signal is abandoned after the
   * worker's grace. Default: 0, no limit.
   */
  timeoutMs?: number;
  /** The work. Its return value must be JSON; it becomes the task's result. */
  run: (args: z.output<Args>, ctx: TaskContext) => Promise<Result> | Result;
  /**
   * At most `max` tasks of this type with the same `key(args)` run at once,
   * across all workers; a task whose key is busy waits in the queue (PENDING,
   * no attempt used). Default: none.
   */
  concurrency?: ConcurrencyOptions<z.output<Args>>;
  /**
   * At most `perSecond` starts a second of this type across all workers
   * (token bucket, `burst` default `max(1, perSecond)`); a task over the rate
   * waits in the queue (PENDING, no attempt used). Default: none.
   */
  rateLimit?: RateLimitOptions;
  /**
   * Priority of its tasks, 1 to 10, 10 highest: within a queue a worker
   * starts higher ones first, and one that has waited long moves up (see
   * docs/workflows.md, Priorities). A submission may override it. Default: 5.
   */
  priority?: number;
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
  readonly retries: number;
  readonly backoff: BackoffOptions;
  readonly timeoutMs: number;
  readonly run: (args: z.output<Args>, ctx: TaskContext) => Promise<Result> | Result;
  /** Its concurrency key and limit; undefined: none. */
  readonly concurrency?: ConcurrencyOptions<z.output<Args>>;
  /** Its rate limit, burst resolved; undefined: none. */
  readonly rateLimit?: RateLimit;
  readonly priority: number;
}

/** The argument type a definition accepts (for typed clients). */
export type TaskArgs<T> = T extends TaskDefinition<infer A, unknown> ? z.input<A> : never;

/** The result type a definition produces (for typed clients). */
export type TaskResult<T> = T extends TaskDefinition<z.ZodType, infer R> ? Awaited<R> : never;

/** Longest queue name a definition may use. */
const MAX_QUEUE_NAME_LENGTH = 64;

/** Most retries a definition or a submission may ask for. */
export const MAX_RETRIES = 25;

/**
 * Declares a task. Export the returned value from a module of a taskpack:
 *
 * ```ts
 * export const add = defineTask({
 *   args: z.object({ x: z.number().int(), y: z.number().int() }),
 *   run: ({ x, y }) => x + y,
 * });
 * ```
 * Throws when `queue` is not a valid queue name, `retries` or `priority` is out of range,
 * or `concurrency` / `rateLimit` are malformed.
 */
export function defineTask<Args extends z.ZodType, Result>(options: TaskOptions<Args, Result>): TaskDefinition<Args, Result> {
  const queue = options.queue ?? "default";
  if (!QUEUE_NAME_PATTERN.test(queue) || queue.length > MAX_QUEUE_NAME_LENGTH) {
    throw new Error(`queue "${queue}" is not valid: use 1 to 64 letters, digits, "_" or "-"`);
  }
  const retries = options.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) {
    throw new Error(`retries must be a whole number from 0 to ${MAX_RETRIES}, got ${retries}`);
  }
  checkConcurrencyOptions(options.concurrency);
  const rateLimit = toRateLimit(options.rateLimit);
  return Object.freeze({
    kind: "tstasks.task" as const,
    args: options.args,
    description: options.description ?? "",
    queue,
    protected: options.protected ?? false,
    retries,
    backoff: { ...options.backoff },
    timeoutMs: options.timeoutMs ?? 0,
    run: options.run,
    ...(options.concurrency && { concurrency: Object.freeze({ key: options.concurrency.key, max: options.concurrency.max }) }),
    ...(rateLimit && { rateLimit }),
    priority: definedPriority(options.priority),
  });
}

/** A definition's priority: 5 when absent; throws unless a whole number from 1 to 10. */
function definedPriority(priority: number | undefined): number {
  if (priority === undefined) return DEFAULT_PRIORITY;
  if (!isPriority(priority)) throw new Error(`priority must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${priority}`);
  return priority;
}

/** True when `value` was made by {@link defineTask}. */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "tstasks.task";
}
