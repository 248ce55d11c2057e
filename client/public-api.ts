/**
 * Everything both entries (`index.ts` for Node, `browser.ts` for browsers)
 * export besides `createTasksClient`: types, errors and helpers.
 */
export { Code, ConnectError } from "@connectrpc/connect";
export { argumentErrors } from "./argument-errors.js";
export type { TokenSource } from "./bearer-token-interceptor.js";
export { bearerTokenInterceptor } from "./bearer-token-interceptor.js";
export type { BulkFilter, CancelManyResult, RetryManyResult } from "./bulk-filter.js";
export type { CallBehaviourOptions, Protocol, TasksClientOptions } from "./client-options.js";
export { createTasksClientWith, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, MAX_TASKS_PER_CALL } from "./create-tasks-client-with.js";
export {
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  isTaskFailed,
  isUnauthenticated,
  isUnavailable,
} from "./error-predicates.js";
export type { LogLevelName, LogLine } from "./log-line.js";
export type { SubmitManyResult } from "./submit-many-result.js";
export type { TaskEvent } from "./task-event.js";
export { TaskFailedError } from "./task-failed-error.js";
export { FINAL_STATUSES, isFinalStatus, TASK_STATUSES } from "./task-info.js";
export type { TaskError, TaskInfo, TaskStatus } from "./task-info.js";
export type { TaskTypeInfo } from "./task-type-info.js";
export type { QueueStatsInfo, TaskStatsBucketInfo, TaskStatsInfo } from "./task-stats-info.js";
export type { CatchUpPolicy, ScheduleInfo } from "./schedule-info.js";
export type { ScheduleSpec, SchedulesClient } from "./schedules-client.js";
export type { GatherSpec, GroupInfo, GroupMemberInfo, GroupStatus } from "./group-info.js";
export type { GroupPage, GroupSpec, GroupsClient } from "./groups-client.js";
export type { ChainInfo, ChainStatus, ChainStepInfo } from "./chain-info.js";
export type { ChainsClient, ChainStepSpec, SubmitChainOptions } from "./chains-client.js";
export type { WorkerInfo } from "./worker-info.js";
export type {
  GetOptions,
  ListOptions,
  LogsOptions,
  ResultOptions,
  RunOptions,
  StatsOptions,
  SubmitManyOptions,
  SubmitOptions,
  TaskSubmission,
  TasksClient,
  WatchOptions,
} from "./tasks-client.js";
export type { ArgsOf, ResultOf } from "./typed-task.js";
