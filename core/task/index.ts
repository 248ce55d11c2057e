/**
 * The task-definition API: everything a taskpack imports (as "tstasks/task").
 * `z` is re-exported so packs and workers share one zod instance.
 */
export { z } from "zod";
export { defineTask, isTaskDefinition, MAX_RETRIES } from "./define-task.js";
export { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY } from "./priority.js";
export type { BackoffOptions } from "./backoff.js";
export type { ConcurrencyOptions, RateLimitOptions, RateLimit } from "./task-limits.js";
export type { TaskDefinition, TaskOptions, TaskArgs, TaskResult } from "./define-task.js";
export type { TaskContext } from "./task-context.js";
export type { LogLevel } from "./log-level.js";
export { createTestContext } from "./test-context.js";
export type { TestContext } from "./test-context.js";
export { NonRetryableError } from "./task-error.js";
export type { JsonValue, JsonObject } from "./json.js";
